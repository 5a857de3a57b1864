// The deployment hook's AWS side: CodeDeploy's GetDeployment (the AppSpec, JSON or YAML) and
// PutLifecycleEventHookExecutionStatus, and a synchronous Lambda invocation of a version or alias.
import { CodeDeployClient, GetDeploymentCommand, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { parse } from 'yaml';
import type { DeploymentReader, FunctionInvoker, HookReporter } from '../../shared/deployment/deploy-hook';

export class CodeDeployDeployments implements DeploymentReader, HookReporter {
  constructor(private readonly client: CodeDeployClient) {}

  async appSpecOf(deploymentId: string): Promise<unknown> {
    const out = await this.client.send(new GetDeploymentCommand({ deploymentId }));
    const content = out.deploymentInfo?.revision?.appSpecContent?.content;
    if (!content) throw new Error(`deployment ${deploymentId} has no AppSpec content (revision type ${out.deploymentInfo?.revision?.revisionType ?? 'unknown'})`);
    // YAML is a superset of JSON: one parser reads either form CodeDeploy keeps.
    return parse(content);
  }

  async report(deploymentId: string, executionId: string, status: 'Succeeded' | 'Failed'): Promise<void> {
    await this.client.send(new PutLifecycleEventHookExecutionStatusCommand({ deploymentId, lifecycleEventHookExecutionId: executionId, status }));
  }
}

export class LambdaInvoker implements FunctionInvoker {
  constructor(private readonly client: LambdaClient) {}

  async invoke(functionName: string, qualifier: string, payload: string): Promise<{ functionError?: string | undefined; payload: string }> {
    const out = await this.client.send(new InvokeCommand({ FunctionName: functionName, Qualifier: qualifier, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(payload) }));
    return { functionError: out.FunctionError, payload: out.Payload ? new TextDecoder().decode(out.Payload) : '' };
  }
}

export const awsDeployHookClients = () => {
  const codeDeploy = new CodeDeployDeployments(new CodeDeployClient({}));
  return { deployments: codeDeploy, reporter: codeDeploy, functions: new LambdaInvoker(new LambdaClient({})) };
};
