// The kill-switch API in AWS: the kill-switch function behind a regional REST API whose every method
// requires IAM authorization (the caller's IAM identity, normalized to the person, is the audited principal).
// Invariants: exactly the routes the handler serves; a resource policy lets only the configured operators invoke
// the routes of the actions each holds (operator-access-policy.ts); only this API may invoke the function, which
// answers only this API's events (its id and the operator policy are in its environment); the function may stop
// and resume order intake (the order queue's event source mapping and the intent rule), start and answer
// executions of the breaker state machine, and nothing else of the control plane; construct ids never change.
import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  type IResource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { BrokerFunctionContext } from './circuit-breaker';
import { RUNTIME_ENV } from '../shared/config/runtime-env';
import { resolveOperatorPolicy, ROUTE_ACTIONS } from '../shared/operators/operator-config';
import type { EnvironmentConfig } from '../shared/config/environments';
import { operatorAccessPolicy } from './operator-access-policy';
import { TradingFunction, logRetentionFor } from './trading-function';
import { encryptionKey } from './encryption-keys';
import { acknowledgeIndexGrant } from './trading-table';
import { acknowledge, managedPolicyFinding, resourceOf, type Acknowledgment } from './policy-checks';

/** The order queue → order function event source mapping the hard stop disables. */
export interface OrderIntakeMapping {
  eventSourceMappingId: string;
  eventSourceMappingArn: string;
}

/** The OrderIntended → risk rule the hard stop disables. */
export interface IntentRule {
  /** The bare rule name (not CloudFormation's `bus|rule` Ref). */
  ruleName: string;
  ruleArn: string;
}

export interface KillSwitchApiProps extends BrokerFunctionContext {
  orderIntake: OrderIntakeMapping;
  intentRule: IntentRule;
  /** The breaker state machine that a release hands the account to, and whose approvals the API answers. */
  breaker: { stateMachineArn: string; aliasArn: string };
}

/** Requests per second across all callers: a handful of people, never a client loop. */
const THROTTLE = { rateLimit: 5, burstLimit: 10 };

/** Every method's answer to cdk-nag's Cognito rule: who may call is decided by IAM, per person. */
const IAM_NOT_COGNITO: Acknowledgment = {
  id: 'AwsSolutions-COG4',
  reason: "Operators are IAM identities (per-person roles, IAM Identity Center): every method requires AWS_IAM authorization, and both the resource policy and the handler check the person's actions; a Cognito pool would be a second identity store for the same people.",
};

/** What the operator policy may take of the function's 4 KB of environment variables, the rest being the others'. */
export const OPERATORS_ENV_MAX_CHARS = 2_500;

/** The environment's operator policy, and as the JSON the function reads; throws when it must list them and does not, or they do not fit. */
const operatorsOf = (config: EnvironmentConfig) => {
  // Throws for an environment that must list its operators and does not (staging, prod).
  const operators = resolveOperatorPolicy(config);
  const operatorsJson = JSON.stringify(operators);
  if (operatorsJson.length > OPERATORS_ENV_MAX_CHARS) {
    throw new Error(`operators: the list is ${operatorsJson.length} characters as JSON, over the ${OPERATORS_ENV_MAX_CHARS} the kill-switch function's environment can hold`);
  }
  return { operators, operatorsJson };
};

export class KillSwitchApi extends Construct {
  readonly fn: TradingFunction;
  readonly api: RestApi;
  /** The stack output `KillSwitchApiUrl`: a pipeline's smoke test reads the deployed URL from it. */
  readonly urlOutput: CfnOutput;

  constructor(scope: Construct, id: string, props: KillSwitchApiProps) {
    super(scope, id);
    const { config, table, onCall, brokerCredentials, bus, orderIntake, intentRule } = props;
    const { operators, operatorsJson } = operatorsOf(config);

    this.fn = new TradingFunction(this, 'KillSwitchFunction', {
      name: 'kill-switch',
      config,
      // API Gateway gives up after 29 s; running longer would only hide the outcome from the caller.
      timeout: Duration.seconds(29),
      environment: {
        ...props.baseEnv,
        [RUNTIME_ENV.orderEventSourceMappingId]: orderIntake.eventSourceMappingId,
        [RUNTIME_ENV.intentRuleName]: intentRule.ruleName,
        [RUNTIME_ENV.onCallTopicArn]: onCall.topicArn,
        [RUNTIME_ENV.breakerStateMachineArn]: props.breaker.aliasArn,
        [RUNTIME_ENV.killSwitchOperators]: operatorsJson,
        ...(brokerCredentials.secret ? { [RUNTIME_ENV.brokerSecretId]: brokerCredentials.secret.secretArn } : {}),
      },
      onCall,
      tickets: props.tickets,
      provisionedConcurrency: config.deployment.provisionedConcurrency?.['kill-switch'],
    });
    const role = this.fn.fn;
    table.grantReadWriteData(role);
    acknowledgeIndexGrant(table, role);
    brokerCredentials.grantRead(role);
    onCall.grantPublish(role);
    // cancelAllOrders publishes the order events a cancellation produces on the bus.
    bus.grantPutEventsTo(role);
    role.addToRolePolicy(
      new PolicyStatement({
        actions: ['lambda:UpdateEventSourceMapping', 'lambda:GetEventSourceMapping'],
        resources: [orderIntake.eventSourceMappingArn],
      }),
    );
    role.addToRolePolicy(
      new PolicyStatement({ actions: ['events:DisableRule', 'events:EnableRule', 'events:DescribeRule'], resources: [intentRule.ruleArn] }),
    );
    // A release starts the recovery execution; an approval answers its AwaitApproval token. Exactly these
    // three actions on exactly this machine (grantTaskResponse would add SendTaskHeartbeat, which nothing sends).
    role.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:StartExecution', 'states:SendTaskSuccess', 'states:SendTaskFailure'],
        // The alias starts recoveries; an approval answers a task of an execution of the machine (any version).
        resources: [props.breaker.aliasArn, props.breaker.stateMachineArn],
      }),
    );

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      // Who pressed the switch is in the audit trail too; these logs are the transport-level record of it.
      retention: logRetentionFor(config),
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      encryptionKey: encryptionKey(this, 'logs'),
    });
    this.api = new RestApi(this, 'Api', {
      restApiName: `trading-safety-kill-switch-${config.name}`,
      description: `Kill switch of trading-safety ${config.name} (IAM-authorized)`,
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      // Access logging needs the account's API Gateway CloudWatch role. Retained: it is one per account and
      // region, shared with every other stack, so deleting this stack must not remove it.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
      // Who may invoke which route; the handler checks the same list per person.
      policy: operatorAccessPolicy(this, operators, config.name),
      deployOptions: {
        stageName: config.name,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        tracingEnabled: true,
        throttlingRateLimit: THROTTLE.rateLimit,
        throttlingBurstLimit: THROTTLE.burstLimit,
      },
    });
    this.acknowledgeFindings();
    // The function answers events of this API only. The function referencing the API is no cycle: the API's
    // methods reference the function's alias, the RestApi resource itself references nothing of the function.
    this.fn.fn.addEnvironment(RUNTIME_ENV.killSwitchApiId, this.api.restApiId);
    // Proxy integrations add one Lambda permission per method, each with this API's ARN as the source (and no
    // test-invoke permission): nothing else may invoke the alias.
    const integration = new LambdaIntegration(this.fn.alias, { proxy: true, allowTestInvoke: false });
    // Stated on each method as well as by default, so a method added later cannot silently drop it.
    const iam = { authorizationType: AuthorizationType.IAM };
    // Exactly the routes that have a permission (ROUTE_ACTIONS), which the handler and the resource policy use too.
    for (const route of Object.keys(ROUTE_ACTIONS)) {
      const [method, path] = route.split(' ') as [string, string];
      const resource = path.split('/').filter(Boolean).reduce<IResource>((parent, part) => parent.getResource(part) ?? parent.addResource(part), this.api.root);
      acknowledge(resourceOf(resource.addMethod(method, integration, iam)), IAM_NOT_COGNITO);
    }

    this.urlOutput = new CfnOutput(this, 'Url', { key: 'KillSwitchApiUrl', value: this.api.url, description: 'Kill-switch API base URL (IAM SigV4)' });
    // The template names an output by its key, CDK Pipelines (envFromCfnOutputs) by its logical id: make them one.
    this.urlOutput.overrideLogicalId('KillSwitchApiUrl');
  }

  /** The API's policy findings, each with why it stands. */
  private acknowledgeFindings(): void {
    const waf = `A handful of named operators use this API: every method requires IAM SigV4, the resource policy denies every principal not listed, and the stage is throttled to ${THROTTLE.rateLimit} requests a second; a web ACL would filter requests that IAM rejects before any integration runs.`;
    acknowledge(resourceOf(this.api), {
      id: 'AwsSolutions-APIG2',
      reason: 'Every route is a Lambda proxy whose handler validates the whole request against its schemas (a query or body that does not match answers 400 naming the field, before anything is read or written); API Gateway models would copy those schemas and could drift from them.',
    });
    acknowledge(this.api.node.findChild('CloudWatchRole'), {
      id: managedPolicyFinding('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
      reason: "API Gateway's CloudWatch role is one per account and region, shared by every API there; AWS's policy for it lets API Gateway create and write log groups and streams, and nothing else.",
    });
    acknowledge(
      resourceOf(this.api.deploymentStage),
      { id: 'AwsSolutions-APIG3', reason: waf },
      { id: 'NIST.800.53.R5-APIGWAssociatedWithWAF', reason: waf },
      {
        id: 'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted',
        reason: 'A cache would answer a status or an action from a stale copy: every response of the kill switch must come from the table at the time of the request, so the stage keeps no cache to encrypt.',
      },
      {
        id: 'NIST.800.53.R5-APIGWSSLEnabled',
        reason: 'The rule asks for a client certificate an HTTP backend can check; the only backend is the kill-switch function through a Lambda proxy integration, invoked under its Lambda permission rather than over HTTP, so nothing could check one.',
      },
    );
  }
}
