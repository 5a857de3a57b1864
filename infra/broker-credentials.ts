// The broker's API credentials in AWS: one Secrets Manager secret per environment that trades on Alpaca,
// holding the JSON that adapters/broker/alpaca/credentials.ts reads. Invariants: no credential is ever in
// code or a template (the operator sets the value with `aws secretsmanager put-secret-value`, see
// docs/deployment.md); the construct id and the generated placeholder never change, so a deployment never
// replaces or overwrites a key an operator stored; only principals passed to grantRead can read it.
import { RemovalPolicy } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { encryptionKey } from './encryption-keys';
import { acknowledge, resourceOf } from './policy-checks';
import type * as z from 'zod';
import type { AlpacaSecretSchema } from '../adapters/broker/alpaca/credentials';
import type { EnvironmentConfig } from '../shared/config/environments';

export interface BrokerCredentialsProps {
  config: EnvironmentConfig;
}

type AlpacaSecret = z.infer<typeof AlpacaSecretSchema>;

/**
 * The value the secret starts with: the field names the reader expects, a generated `secretKey` and an
 * empty `keyId`. The empty field is deliberate: until the operator stores a real key the reader rejects
 * the secret as a credentials failure (an ambiguous broker error: orders stay in flight, reconciliation
 * reports the broker unreachable), where a made-up key would reach Alpaca and come back as a refusal
 * that rejects orders. Leave these generation settings alone: CloudFormation generates a new value when
 * they change, overwriting the stored key.
 */
const PLACEHOLDER: Omit<AlpacaSecret, 'secretKey'> = { keyId: '' };

export class BrokerCredentials extends Construct {
  /** Undefined when the environment's broker needs no credentials (the simulated broker). */
  readonly secret: Secret | undefined;

  constructor(scope: Construct, id: string, props: BrokerCredentialsProps) {
    super(scope, id);
    const { config } = props;
    if (config.broker.kind !== 'alpaca') {
      this.secret = undefined;
      return;
    }
    const { venue } = config.broker;
    this.secret = new Secret(this, 'Secret', {
      description:
        `Alpaca ${venue} API key of trading-safety ${config.name} (${venue === 'live' ? 'REAL MONEY' : 'paper trading'}): ` +
        'JSON {"keyId": "...", "secretKey": "..."}, set with aws secretsmanager put-secret-value (docs/deployment.md)',
      generateSecretString: {
        secretStringTemplate: JSON.stringify(PLACEHOLDER),
        generateStringKey: 'secretKey' satisfies keyof AlpacaSecret,
        excludePunctuation: true,
      },
      // The stack's own key: grantRead also grants decrypting with it, through Secrets Manager only.
      encryptionKey: encryptionKey(this, 'broker-secret'),
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const manualRotation =
      'An Alpaca API key is created and revoked in Alpaca\'s dashboard only (no API issues keys), so no rotation function can make a new one; rotation is the manual procedure in docs/deployment.md ("Rotation"): new key stored, functions and feed recycled, old key revoked.';
    acknowledge(resourceOf(this.secret), { id: 'AwsSolutions-SMG4', reason: manualRotation }, { id: 'NIST.800.53.R5-SecretsManagerRotationEnabled', reason: manualRotation });
  }

  /** Lets `grantee` read the secret value; a no-op when there is no secret. */
  grantRead(grantee: IGrantable): void {
    this.secret?.grantRead(grantee);
  }
}
