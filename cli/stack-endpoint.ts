// Where an environment's kill-switch API is: the `KillSwitchApiUrl` output of its stack (`TradingSafety-<env>`),
// read with the caller's own credentials.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { OperatorCliError } from './operator-api';

export const API_URL_OUTPUT = 'KillSwitchApiUrl';

export const stackNameFor = (env: string): string => `TradingSafety-${env}`;

export const findApiUrl = async (env: string, client: Pick<CloudFormationClient, 'send'> = new CloudFormationClient({})): Promise<string> => {
  const stackName = stackNameFor(env);
  let outputs;
  try {
    const out = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = out.Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (name === 'CredentialsProviderError') throw new OperatorCliError(`no AWS credentials to find ${stackName} with: set AWS_PROFILE, run \`aws sso login\`, or pass --api-url`, { cause: error });
    if (name === 'ValidationError') throw new OperatorCliError(`no stack ${stackName} in this account and region (is --env right, and AWS_REGION?)`, { cause: error });
    if (name === 'AccessDenied' || name === 'AccessDeniedException') throw new OperatorCliError(`access denied reading ${stackName}'s outputs: pass --api-url, or ask for cloudformation:DescribeStacks`, { cause: error });
    throw new OperatorCliError(`could not read ${stackName}'s outputs: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const url = outputs.find((o) => o.OutputKey === API_URL_OUTPUT)?.OutputValue;
  if (!url) throw new OperatorCliError(`${stackName} has no ${API_URL_OUTPUT} output: is it deployed with the kill-switch API?`);
  return url;
};
