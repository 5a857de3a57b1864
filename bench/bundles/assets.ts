// Which staged asset of a synthesized stack is which function's bundle, read from the template and the asset
// manifest, and the environment its module is imported with: the function's variables and those Lambda sets.
import { FUNCTION_NAMES, type FunctionName } from '../../shared/routing/routes';

type Intrinsic = Record<string, unknown>;

export interface SynthesizedTemplate {
  Resources: Record<
    string,
    {
      Type: string;
      Properties?: { Code?: { S3Key?: unknown }; Handler?: string; MemorySize?: number; Environment?: { Variables?: Record<string, string | Intrinsic> } };
    }
  >;
}

export interface AssetManifest {
  files: Record<string, { source: { path: string; packaging?: string }; destinations: Record<string, { objectKey: string }> }>;
}

export interface FunctionAsset {
  name: FunctionName;
  /** The staged folder, relative to the cloud assembly (what `cdk deploy` zips and uploads). */
  path: string;
  handler: string;
  memorySize: number;
  /** The function's environment as the template sets it; a value CloudFormation resolves at deploy is a placeholder. */
  variables: Record<string, string>;
}

const isFunctionName = (value: unknown): value is FunctionName => (FUNCTION_NAMES as readonly unknown[]).includes(value);

/** A value only CloudFormation knows (a Ref, a GetAtt): the module is imported without it, so any string stands in. */
const placeholder = (key: string): string => `bench-${key.toLowerCase().replaceAll('_', '-')}`;

/** Each trading function's staged asset, found through its POWERTOOLS_SERVICE_NAME and its code's object key. */
export const functionAssets = (template: SynthesizedTemplate, manifest: AssetManifest): FunctionAsset[] => {
  const found = new Map<FunctionName, FunctionAsset>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    const variables = resource.Properties?.Environment?.Variables ?? {};
    const name = variables.POWERTOOLS_SERVICE_NAME;
    if (resource.Type !== 'AWS::Lambda::Function' || !isFunctionName(name)) continue;
    if (found.has(name)) throw new Error(`two functions are named ${name} (the second is ${id})`);
    const key = resource.Properties?.Code?.S3Key;
    const asset = Object.values(manifest.files).find((file) => Object.values(file.destinations).some((d) => d.objectKey === key));
    if (!asset) throw new Error(`${name} (${id}): no staged asset has the object key ${JSON.stringify(key)}`);
    found.set(name, {
      name,
      path: asset.source.path,
      handler: resource.Properties?.Handler ?? '',
      memorySize: resource.Properties?.MemorySize ?? 128,
      variables: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : placeholder(k)])),
    });
  }
  const missing = FUNCTION_NAMES.filter((name) => !found.has(name));
  if (missing.length > 0) throw new Error(`no function in the template for ${missing.join(', ')}`);
  return FUNCTION_NAMES.map((name) => found.get(name) as FunctionAsset);
};

/**
 * What the module sees at import in Lambda: the function's variables and those the runtime sets (tracing on, no
 * credentials: a module that reached for AWS at import would try the network, which the measurement reports).
 */
export const importEnvironment = (asset: FunctionAsset, taskRoot: string): Record<string, string> => ({
  ...asset.variables,
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_LAMBDA_FUNCTION_NAME: `TradingSafety-bench-${asset.name}`,
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(asset.memorySize),
  AWS_LAMBDA_LOG_FORMAT: 'JSON',
  AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
  AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
  LAMBDA_TASK_ROOT: taskRoot,
  _HANDLER: asset.handler,
  TZ: ':UTC',
  LANG: 'en_US.UTF-8',
});
