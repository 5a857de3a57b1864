// The deployment hooks every trading function's deployment group runs (functions/deploy-hook/handler.ts): one
// function before traffic shifts (it probes the new version) and one after (it probes the live alias). They may
// read any deployment of the stack's CodeDeploy applications and invoke the trading functions' versions and
// aliases, nothing else; CodeDeploy's grants to report back are added by each deployment group.
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../shared/config/environments';
import type { DeployStage } from '../shared/deployment/deploy-probe';
import { FUNCTION_HANDLER, functionCode } from './function-code';
import { LAMBDA_FINDINGS, logRetentionFor, type DeploymentHooks, type TradingFunction } from './trading-function';
import { encryptionKey } from './encryption-keys';
import { acknowledge, arnWildcardFinding, resourceOf } from './policy-checks';

export interface DeployHooksProps {
  config: EnvironmentConfig;
}

export class DeployHooks extends Construct implements DeploymentHooks {
  readonly preTraffic: NodejsFunction;
  readonly postTraffic: NodejsFunction;

  constructor(scope: Construct, id: string, props: DeployHooksProps) {
    super(scope, id);
    this.preTraffic = this.hook('PreTraffic', 'pre-traffic', props.config);
    this.postTraffic = this.hook('PostTraffic', 'post-traffic', props.config);
  }

  /** Lets the hooks probe `fn`: invoke its versions and alias, and read its deployments. */
  probe(fn: TradingFunction): void {
    fn.useHooks(this);
    const stack = Stack.of(this);
    const { application, deploymentGroupName } = fn.deploymentGroup;
    for (const hook of [this.preTraffic, this.postTraffic]) {
      hook.addToRolePolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.fn.functionArn, `${fn.fn.functionArn}:*`] }));
      hook.addToRolePolicy(
        new PolicyStatement({
          actions: ['codedeploy:GetDeployment'],
          resources: [stack.formatArn({ service: 'codedeploy', resource: 'deploymentgroup', resourceName: `${application.applicationName}/${deploymentGroupName}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
        }),
      );
      acknowledge(hook.role ?? hook, {
        id: arnWildcardFinding(fn.fn, ':*'),
        reason: "The probe invokes a trading function's new version before traffic and its alias after: <function ARN>:* names that one function's versions and aliases, no other function.",
      });
    }
    // The deployment group's grant to run the hooks (CDK's addPreHook and addPostHook).
    acknowledge(
      fn.deploymentGroup.role,
      ...[this.preTraffic, this.postTraffic].map((hook) => ({
        id: arnWildcardFinding(hook, ':*'),
        reason: "CodeDeploy may invoke the deployment hook and its versions (<hook ARN>:*), as CDK's hook grant writes it; the wildcard reaches no other function.",
      })),
    );
  }

  private hook(id: string, stage: DeployStage, config: EnvironmentConfig): NodejsFunction {
    const logGroup = new LogGroup(this, `${id}Logs`, {
      retention: logRetentionFor(config),
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      encryptionKey: encryptionKey(this, 'logs'),
    });
    const fn = new NodejsFunction(this, id, {
      // Bundled as the trading functions are.
      code: functionCode('deploy-hook'),
      handler: FUNCTION_HANDLER,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      // Each probe check is bounded at 5 s; the probe's invocation, and the report, fit well inside this.
      timeout: Duration.minutes(2),
      tracing: Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: { DEPLOY_HOOK_STAGE: stage, POWERTOOLS_SERVICE_NAME: 'deploy-hook', POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false' },
    });
    acknowledge(
      resourceOf(fn),
      ...LAMBDA_FINDINGS.function,
      {
        id: 'NIST.800.53.R5-LambdaConcurrency',
        reason: "CodeDeploy runs a hook once per lifecycle event of a deployment, a handful of times a day; a reservation would only take capacity out of the account's pool that the trading functions share.",
      },
      {
        id: 'NIST.800.53.R5-LambdaDLQ',
        reason: 'A hook that fails or never reports fails its lifecycle event and CodeDeploy rolls the deployment back, which the deployment status and its rollback show; a dead-letter queue would keep an event nobody could replay.',
      },
    );
    if (fn.role) acknowledge(fn.role, ...LAMBDA_FINDINGS.role);
    return fn;
  }
}

