import { Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  type ITable,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, type IEventBus } from 'aws-cdk-lib/aws-events';
import { AccountPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { entriesOf, pascalCase, recordOf } from '#infra/constructs/topology-mapping';
import { type Source, sources } from '#shared/schemas/ingest';
import { busName, type TableDecl, type TableName, tables } from '#shared/topology';

/** The only event source a partner account may put on the bus: `partner.<account>`. */
export const partnerSource = (account: string): string => `partner.${account}`;

/** Properties of the {@link StatefulStack}. */
export interface StatefulStackProps extends StackProps {
  /** Deployment stage (e.g. `dev`, `prod`); part of the bus and secret names. */
  readonly stage: string;
  /**
   * How long the bus archive keeps events (for replays after a bug fix).
   *
   * @default Duration.days(365)
   */
  readonly archiveRetention?: Duration;
  /**
   * Protect the tables against deletion (DynamoDB deletion protection), e.g. in `prod`.
   *
   * @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * Partner AWS accounts that may put events on the bus, each only with source `partner.<account>`.
   *
   * @default - none
   */
  readonly partnerAccounts?: readonly string[];
  /**
   * Keep the indicators table's former `byDate` index (whole items) beside `byDateKeys`: DynamoDB adds
   * or removes one index per table update, so a stack deployed before `byDateKeys` is upgraded in two
   * deploys, the first with this set (docs/deploy.md).
   *
   * @default false
   */
  readonly keepLegacyDateIndex?: boolean;
}

/**
 * What holds data: the DynamoDB tables of the topology, the cityhub event bus with its archive, and
 * the ingest sources' signing secrets. Everything here is retained when the stack is deleted.
 */
export class StatefulStack extends Stack {
  /** The declared tables, by topology name. */
  public readonly tables: Readonly<Record<TableName, ITable>>;
  /** The `cityhub-<stage>` event bus. */
  public readonly bus: IEventBus;
  /** Each ingest source's Standard Webhooks signing secret, by source. */
  public readonly sourceSecrets: Readonly<Record<Source, ISecret>>;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);

    const declaredTables: Readonly<Record<TableName, TableDecl>> = tables;
    const created = recordOf(
      entriesOf(declaredTables).map(([name]) => name),
      (name) => this.createTable(declaredTables[name], props.deletionProtection ?? false),
    );
    if (props.keepLegacyDateIndex) {
      created.indicators.addGlobalSecondaryIndex({
        indexName: 'byDate',
        partitionKey: { name: 'date', type: AttributeType.STRING },
        sortKey: { name: 'area', type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
    this.tables = created;

    const bus = new EventBus(this, 'Bus', { eventBusName: busName(props.stage) });
    bus.archive('Archive', {
      description: `All events of ${busName(props.stage)}, for replays`,
      eventPattern: { account: [this.account] },
      retention: props.archiveRetention ?? Duration.days(365),
    });
    for (const account of props.partnerAccounts ?? []) {
      // Each partner may put events on the bus only under its own source, so it cannot pose as a feed.
      bus.addToResourcePolicy(
        new PolicyStatement({
          sid: `PartnerPutEvents${account}`,
          principals: [new AccountPrincipal(account)],
          actions: ['events:PutEvents'],
          resources: [bus.eventBusArn],
          conditions: { StringEquals: { 'events:source': partnerSource(account) } },
        }),
      );
    }
    this.bus = bus;

    this.sourceSecrets = recordOf(sources, (source) => this.createSourceSecret(props.stage, source));
  }

  /** A table as declared: on demand, PITR, AWS-managed encryption, TTL and GSIs (projection ALL), retained. */
  private createTable(decl: TableDecl, deletionProtection: boolean): Table {
    const table = new Table(this, `${decl.id}Table`, {
      partitionKey: { name: decl.partitionKey.name, type: AttributeType.STRING },
      sortKey: { name: decl.sortKey.name, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: decl.ttlAttribute,
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection,
      ...(decl.stream === 'newImage' ? { stream: StreamViewType.NEW_IMAGE } : {}),
    });
    for (const index of decl.globalIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey.name, type: AttributeType.STRING },
        sortKey: { name: index.sortKey.name, type: AttributeType.STRING },
        projectionType: index.projection === 'keys' ? ProjectionType.KEYS_ONLY : ProjectionType.ALL,
      });
    }
    return table;
  }

  /**
   * A source's signing secret: 32 generated alphanumerics. Alphanumerics are valid base64 (32 characters
   * decode to 24 bytes), which is what Standard Webhooks expects; the ingest function accepts the secret
   * with or without a `whsec_` prefix, so a source may be handed either form.
   */
  private createSourceSecret(stage: string, source: Source): Secret {
    const secret = new Secret(this, `${pascalCase(source)}SigningSecret`, {
      secretName: `cityhub/${stage}/ingest/${source}`,
      description: `Standard Webhooks signing secret of the ${source} ingest source`,
      generateSecretString: { passwordLength: 32, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret is shared with an external source system, which must switch to a new value at the same time; it is rotated by hand in coordination with that system (a rotation Lambda cannot update the source).',
    });
    return secret;
  }
}
