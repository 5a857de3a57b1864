// The code of a Lambda function of this system: its handler bundled by infra/function-bundle.ts when CDK stages
// the asset (synth, deploy), hashed by the bundle's bytes. The bundler runs in a child process: CDK's local
// bundling is synchronous, and esbuild takes plugins only through its asynchronous API.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';

const ROOT = join(import.meta.dirname, '..');
const BUNDLER = join('infra', 'function-bundle.ts');

/** The handler every bundle exports, in the file Lambda loads (infra/function-bundle.ts). */
export const FUNCTION_HANDLER = 'index.handler';

/** The bundled code of functions/<name>/handler.ts. */
export const functionCode = (name: string): Code => {
  const entry = join('functions', name, 'handler.ts');
  return Code.fromAsset(ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // The bundling API asks for an image; it is never pulled: the local build writes the bundle or throws.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
      // What the build is (the entry makes each function's bundling distinct to CDK's asset cache).
      command: ['npx', 'tsx', BUNDLER, entry, '/asset-output'],
      local: {
        tryBundle: (outputDir: string) => {
          // stdout stays quiet: `cdk synth` prints the template there.
          execFileSync(process.execPath, ['--import', 'tsx', BUNDLER, entry, outputDir], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
          return true;
        },
      },
    },
  });
};
