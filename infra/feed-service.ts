// The feed task on ECS Fargate: one ARM64 task in a public subnet of its own VPC, no inbound traffic, health
// checked on /health, replaced by a rolling deploy that the table lease keeps to one leader. Its role may do
// only what the feed does: the MARKET items, the bus, the order queue, the broker secret, the on-call topic.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Size, Stack, Stage } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { FlowLogDestination, FlowLogTrafficType, SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import {
  AwsLogDriverMode,
  Cluster,
  ContainerImage,
  CpuArchitecture,
  FargatePlatformVersion,
  FargateService,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
} from 'aws-cdk-lib/aws-ecs';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../shared/config/environments';
import { DEFAULT_FEED_HEALTH_PORT, RUNTIME_ENV } from '../shared/config/runtime-env';
import type { BrokerCredentials } from './broker-credentials';
import { buildFeedBundle } from './feed-bundle';
import { grantControlPartitionReads, grantMarketItems } from './trading-table';
import { logRetentionFor } from './trading-function';
import { encryptionKey } from './encryption-keys';
import { acknowledge, KMS_GRANT_FINDINGS, resourceOf } from './policy-checks';

export interface FeedServiceProps {
  config: EnvironmentConfig;
  table: ITable;
  bus: IEventBus;
  orderQueue: IQueue;
  /** Must hold a secret: an environment without one (the simulated broker) gets no feed service. */
  brokerCredentials: BrokerCredentials;
  onCall: ITopic;
  /** The variables every function gets (environment, table, bus). */
  baseEnv: Record<string, string>;
}

/** The strategy the deployed feed hosts, as a path in the bundle (the task's working directory). */
const DEPLOYED_STRATEGIES = ['strategies/sample-momentum.mjs'];

/** Exit 0 when the feed's health server answers /health with 2xx; Node is the only program the image has. */
export const FEED_HEALTH_COMMAND = `fetch('http://127.0.0.1:${DEFAULT_FEED_HEALTH_PORT}/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`;

/** The build contexts written in this process, so several stacks of one assembly share one. */
const writtenContexts = new Set<string>();

/**
 * The image's build context, in the cloud assembly's folder beside the staged assets (so it goes where the
 * assembly goes, and nothing piles up in /tmp): the real bundle when this stack is bundled (cdk synth, deploy),
 * else the Dockerfile alone, so test syntheses stay fast. Only staged here: Docker builds it at deploy.
 */
const imageContextDir = (scope: Construct): string => {
  const bundled = Stack.of(scope).bundlingRequired;
  const outdir = Stage.of(scope)?.assetOutdir;
  if (!outdir) throw new Error('FeedService must be defined inside an App or a Stage (its image is staged in the cloud assembly)');
  const dir = join(outdir, bundled ? 'feed-image-bundle' : 'feed-image-dockerfile');
  if (writtenContexts.has(dir)) return dir;
  // A synthesis into the same folder again (cdk watch) starts from nothing: no file of an older bundle remains.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (bundled) buildFeedBundle(dir);
  else copyFileSync(join(import.meta.dirname, '..', 'feed', 'Dockerfile'), join(dir, 'Dockerfile'));
  writtenContexts.add(dir);
  return dir;
};

export class FeedService extends Construct {
  readonly service: FargateService;
  readonly taskDefinition: FargateTaskDefinition;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: FeedServiceProps) {
    super(scope, id);
    const { config } = props;
    const secret = props.brokerCredentials.secret;
    if (!secret) throw new Error(`FeedService: environment ${config.name} has no broker credentials secret (the feed needs Alpaca)`);

    const vpc = this.network(config);
    const cluster = new Cluster(this, 'Cluster', { vpc });
    acknowledge(resourceOf(cluster), {
      id: 'AwsSolutions-ECS4',
      reason: "The cluster runs one task: ECS's free service metrics give its CPU and memory, and the dead-man switch checks the feed's heartbeat every minute and halts trading when it stops; Container Insights would bill per-task metrics that no decision depends on.",
    });
    const securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: `Feed task (${config.name}): no inbound; outbound to the broker, market data and AWS APIs`,
      allowAllOutbound: true,
    });

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: logRetentionFor(config),
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      encryptionKey: encryptionKey(this, 'logs'),
    });
    this.taskDefinition = new FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: 256,
      memoryLimitMiB: 512,
      runtimePlatform: { cpuArchitecture: CpuArchitecture.ARM64, operatingSystemFamily: OperatingSystemFamily.LINUX },
    });
    this.taskDefinition.addContainer('Feed', {
      image: ContainerImage.fromAsset(imageContextDir(this), { platform: Platform.LINUX_ARM64 }),
      environment: {
        ...props.baseEnv,
        [RUNTIME_ENV.orderQueueUrl]: props.orderQueue.queueUrl,
        [RUNTIME_ENV.brokerSecretId]: secret.secretArn,
        [RUNTIME_ENV.feedId]: `feed-${config.name}`,
        [RUNTIME_ENV.feedStrategies]: DEPLOYED_STRATEGIES.join(','),
        [RUNTIME_ENV.feedHealthPort]: String(DEFAULT_FEED_HEALTH_PORT),
        [RUNTIME_ENV.onCallTopicArn]: props.onCall.topicArn,
        // Its metrics carry service=feed, as the functions' carry their names (the dashboard searches by it).
        POWERTOOLS_SERVICE_NAME: 'feed',
        POWERTOOLS_LOG_LEVEL: config.logLevel,
      },
      healthCheck: {
        command: ['CMD', 'node', '-e', FEED_HEALTH_COMMAND],
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      // The program drains its publisher for up to 20 s after SIGTERM, then releases the lease and exits.
      stopTimeout: Duration.seconds(30),
      logging: LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: 'feed',
        // A slow CloudWatch Logs must not block the feed's writes to stdout (its heartbeat would stop and the
        // dead-man switch halt trading); lines past the buffer are dropped instead.
        mode: AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
    });
    this.grantFeedAccess(props);
    this.acknowledgeRoleFindings();

    this.service = new FargateService(this, 'Service', {
      cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: 1,
      // Rolling 100/200: the replacement starts while the old task runs and waits for the lease in the table; it
      // connects and publishes nothing until the old task, stopped with SIGTERM, releases it. Two tasks may run,
      // only one ever leads, and the feed hands over in seconds instead of being absent during a deploy.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      assignPublicIp: true,
      vpcSubnets: { subnetType: SubnetType.PUBLIC },
      securityGroups: [securityGroup],
      enableExecuteCommand: false,
      platformVersion: FargatePlatformVersion.LATEST,
    });
  }

  /**
   * Public subnets and no NAT gateway: a NAT gateway costs about $1.08 a day before traffic, the task's public
   * IPv4 address about $0.12. Nothing can reach the task: its security group admits no inbound traffic.
   */
  private network(config: EnvironmentConfig): Vpc {
    const vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'Public', subnetType: SubnetType.PUBLIC, cidrMask: 24 }],
      // Nothing uses the default security group: its rules are removed, so nothing put there by mistake can talk.
      restrictDefaultSecurityGroup: true,
    });
    for (const subnet of vpc.publicSubnets) {
      acknowledge(
        subnet,
        {
          id: 'NIST.800.53.R5-VPCSubnetAutoAssignPublicIpDisabled',
          reason: 'Public subnets on purpose, so the one task reaches the broker and AWS without a NAT gateway (about $1.08 a day each); its public address admits nothing, as its security group has no inbound rule, and the flow log records every connection.',
        },
        {
          id: 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
          reason: "The feed's outbound connections (the broker's and the market data's hosts, AWS APIs) go out through the internet gateway in place of a NAT gateway; nothing comes in, the security group having no inbound rule, and the flow log records every connection.",
        },
      );
    }
    // Every connection the task makes or is refused, kept as long as its logs: the record a NAT gateway would have given.
    const flowLogs = new LogGroup(this, 'FlowLogs', {
      retention: logRetentionFor(config),
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      encryptionKey: encryptionKey(this, 'logs'),
    });
    const flowLog = vpc.addFlowLog('FlowLog', { destination: FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: FlowLogTrafficType.ALL });
    acknowledge(flowLog.node.findChild('IAMRole'), {
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason: "CDK writes the flow log role's grants (write to the flow log group, pass the role) into one AWS::IAM::Policy attached to that role alone; a customer managed policy would hold the same statements.",
    });
    return vpc;
  }

  /** The task's roles' policy findings, each with why it stands. */
  private acknowledgeRoleFindings(): void {
    acknowledge(resourceOf(this.taskDefinition), {
      id: 'AwsSolutions-ECS2',
      reason: "The container's variables are configuration, not secrets: names, ARNs and URLs of the stack's resources, the feed id, the strategies and the log level. The broker key is read at run time from Secrets Manager, with the task role's grant.",
    });
    const noInline = (role: string) => ({
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason: `CDK writes the ${role}'s grants into one AWS::IAM::Policy attached to that role alone; a customer managed policy would hold the same statements and could be attached elsewhere.`,
    });
    acknowledge(this.taskDefinition.taskRole, noInline('task role'), ...KMS_GRANT_FINDINGS);
    acknowledge(this.taskDefinition.obtainExecutionRole(), noInline('execution role'), {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'The one statement on "*" is ecr:GetAuthorizationToken, which ECR authorizes on no narrower resource; pulling the image itself is granted on the one asset repository.',
    });
  }

  /** The task role: exactly the calls the feed makes, each on its one resource. */
  private grantFeedAccess(props: FeedServiceProps): void {
    const role = this.taskDefinition.taskRole;
    // Marks, reference data, heartbeat and lease: all under MARKET.
    grantMarketItems(props.table, role, ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']);
    // The strategy switches of the feed's account (read only: only the kill-switch API writes them).
    grantControlPartitionReads(props.table, role, props.config.accounts.slice(0, 1));
    props.bus.grantPutEventsTo(role);
    // The broker relay's order updates.
    props.orderQueue.grantSendMessages(role);
    props.brokerCredentials.grantRead(role);
    props.onCall.grantPublish(role);
  }
}
