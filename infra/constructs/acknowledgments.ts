/**
 * Helpers to acknowledge cdk-nag findings precisely (cdk-nag 3 matches `RuleId[finding]` exactly, with no
 * prefix matching), including findings on resources that are cross-stack references.
 */

import { type Acknowledgment, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * How cdk-nag writes a resolved policy resource in a finding id (its `flattenCfnReference`):
 * `Fn::Join` is joined, `Fn::GetAtt` becomes `<LogicalId.Attribute>`, `Ref` becomes `<LogicalId>`,
 * `Fn::Sub`'s `${x}` becomes `<x>`, `Fn::ImportValue` its export name, anything else its JSON.
 */
export const nagResource = (value: unknown): string => {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const join = intrinsic(value, 'Fn::Join');
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return join[1].map(nagResource).join(join[0]);
    }
    const sub = intrinsic(value, 'Fn::Sub');
    if (sub) return nagResource(sub);
    const getAtt = intrinsic(value, 'Fn::GetAtt');
    if (Array.isArray(getAtt)) return `<${nagResource(getAtt[0])}.${nagResource(getAtt[1])}>`;
    const importValue = intrinsic(value, 'Fn::ImportValue');
    if (importValue) return nagResource(importValue);
    const ref = intrinsic(value, 'Ref');
    if (ref) return `<${nagResource(ref)}>`;
  }
  return JSON.stringify(value);
};

const intrinsic = (value: object, name: string): unknown =>
  Object.entries(value).find(([key]) => key === name)?.[1];

/**
 * Acknowledges findings whose ids depend on how a token resolves in the stack of `scope`, e.g. an ARN
 * that reaches the stack from another stack (it resolves to `Fn::GetStackOutput` only once CDK has
 * prepared the app). The acknowledgments are built during construct validation, which runs after the
 * app is prepared and before validation plugins such as cdk-nag.
 *
 * @param scope - the construct the acknowledgments apply to (and its children)
 * @param build - returns the acknowledgments; `resolve` resolves a token as the stack of `scope` will
 *   render it, written the way cdk-nag writes resources in finding ids
 */
export const acknowledgeWhenResolved = (
  scope: IConstruct,
  build: (resolve: (token: unknown) => string) => readonly Acknowledgment[],
): void => {
  scope.node.addValidation({
    validate: () => {
      const stack = Stack.of(scope);
      Validations.of(scope).acknowledge(...build((token) => nagResource(stack.resolve(token))));
      return [];
    },
  });
};
