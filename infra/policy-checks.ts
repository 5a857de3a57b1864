// The policy checks every synthesis runs: cdk-nag's AwsSolutions pack and its NIST 800-53 rev 5 pack
// (docs/security.md, "Policy checks"), and how a finding is acknowledged: on the construct that owns the resource,
// with a reason a reviewer can check.
import { Aspects, CfnElement, CfnResource, Stack, Stage, Validations, type IAspect, type IPolicyValidationPlugin, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, type NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** The prefixes of the packs' rule ids, as findings and acknowledgments name them. */
export const POLICY_PACKS = ['AwsSolutions', 'NIST.800.53.R5'] as const;

/**
 * A pack that judges one stack. cdk-nag walks the whole app it is registered in, and a pipeline's app also holds
 * the pipeline's own stack, whose resources are not this stack's to acknowledge.
 */
class StackPolicyCheck implements IPolicyValidationPlugin {
  readonly name: string;
  readonly version?: string;

  constructor(
    private readonly pack: NagPack,
    private readonly stack: Stack,
  ) {
    this.name = pack.name;
    this.version = pack.version;
  }

  validate(): PolicyValidationPluginReport {
    return this.pack.validateScope(this.stack);
  }
}

/**
 * The rule an acknowledgment names, if it is one of the packs': CDK records `<namespace>::<id>`, the namespace being
 * `Annotation` for a plain id or the plugin's name for the form the CLI suggests (`AwsSolutions::AwsSolutions-SQS3`).
 */
const packRule = (recorded: string): string | undefined => {
  const id = recorded.replace(/^[^:[]+::/, '');
  return POLICY_PACKS.some((pack) => id.startsWith(`${pack}-`)) ? id : undefined;
};

/**
 * Copies the packs' acknowledgments that apply to each resource (its own and its ancestors') into its template
 * metadata as `cdk_nag.rules_to_suppress`, cdk-nag's format. cdk-nag's own copy would add CDK's acknowledgments of
 * its CloudFormation rules, made on the stack, to every resource.
 */
class PackAcknowledgmentsInMetadata implements IAspect {
  visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node)) return;
    const rules = new Map<string, string>();
    for (let scope: IConstruct | undefined = node; scope; scope = scope.node.scope) {
      for (const entry of scope.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [recorded, reason] of Object.entries(entry.data as Record<string, string>)) {
          const id = packRule(recorded);
          if (id && !rules.has(id)) rules.set(id, reason);
        }
      }
    }
    if (rules.size > 0) node.addMetadata('cdk_nag', { rules_to_suppress: [...rules].map(([id, reason]) => ({ id, reason })) });
  }
}

const checkedStacks = new WeakSet<Stack>();

/**
 * Runs both packs on `stack` at every synthesis of its app or stage (`cdk synth`, `cdk deploy`, each test's
 * Template.fromStack). Any finding, error or warning, fails the synthesis; the acknowledgments are copied into each
 * resource's template metadata (`cdk_nag.rules_to_suppress`), where a reviewer or an auditor reads them next to it.
 */
export const addPolicyChecks = (stack: Stack): void => {
  if (checkedStacks.has(stack)) return;
  checkedStacks.add(stack);
  const stage = Stage.of(stack);
  if (!stage) throw new Error(`${stack.node.path}: policy checks need the stack inside an App or a Stage`);
  Validations.of(stage).addPlugins(
    new StackPolicyCheck(new AwsSolutionsChecks(undefined, { verbose: true }), stack),
    new StackPolicyCheck(new NIST80053R5Checks(undefined, { verbose: true }), stack),
  );
  Aspects.of(stack).add(new PackAcknowledgmentsInMetadata());
};

/** One finding the owner of a resource accepts: the rule (or `rule[finding]`) and why it does not apply or what compensates. */
export interface Acknowledgment {
  id: string;
  reason: string;
}

/** Acknowledges `findings` on `scope` and everything under it; keep `scope` as close to the resource as the finding. */
export const acknowledge = (scope: IConstruct, ...findings: Acknowledgment[]): void => {
  Validations.of(scope).acknowledge(...findings);
};

/** The CloudFormation resource of an L2 construct: where its own findings go, rather than on everything under it. */
export const resourceOf = (construct: IConstruct): IConstruct => construct.node.defaultChild ?? construct;

/**
 * The id of the finding for a wildcard after `target`'s ARN in an IAM policy, as cdk-nag names it from the
 * template (`AwsSolutions-IAM5[Resource::<LogicalId.Arn>:*]`): a finding is acknowledged one resource at a time.
 */
export const arnWildcardFinding = (target: IConstruct, suffix: string): string => {
  const element = CfnElement.isCfnElement(target) ? target : target.node.defaultChild;
  if (!element || !CfnElement.isCfnElement(element)) throw new Error(`${target.node.path} has no CloudFormation resource to name`);
  return `AwsSolutions-IAM5[Resource::<${Stack.of(target).getLogicalId(element)}.Arn>${suffix}]`;
};

/** The finding of an AWS managed policy attached to a role. */
export const managedPolicyFinding = (policyName: string): string => `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policyName}]`;

/**
 * The IAM wildcards of CDK's grants on the stack's keys (infra/encryption-keys.ts), made by the constructs that own
 * the encrypted resources (table.grantReadWriteData, queue.grantSendMessages, topic.grantPublish).
 */
export const KMS_GRANT_FINDINGS: Acknowledgment[] = ['AwsSolutions-IAM5[Action::kms:ReEncrypt*]', 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]'].map((id) => ({
  id,
  reason: "CDK's grants on the stack's own KMS keys: each statement names one key's ARN, and the wildcard covers only the variants of one operation (GenerateDataKeyWithoutPlaintext; ReEncryptFrom and ReEncryptTo) on that key.",
}));
