/**
 * Entry point of the CDK app (cdk.json `app`): `npx cdk synth -c stage=<name> -c timezone=<IANA zone>`.
 * Tests build the same stacks through `buildApp` without running this file.
 */
import { buildApp } from '#infra/stacks/build';

buildApp().app.synth();
