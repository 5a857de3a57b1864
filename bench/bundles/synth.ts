// Synthesizes an environment's stack as `cdk synth` does (real bundling, infra/function-code.ts) into a folder,
// and reads what the bundle bench needs from it: the template and the asset manifest.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../../infra/app';
import type { AssetManifest, SynthesizedTemplate } from './assets';

export interface Synthesized {
  template: SynthesizedTemplate;
  manifest: AssetManifest;
}

const read = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

export const synthesize = (envName: string, outdir: string): Synthesized => {
  const { app, stack } = buildApp(envName, { outdir });
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  return {
    template: read<SynthesizedTemplate>(join(outdir, artifact.templateFile)),
    manifest: read<AssetManifest>(join(outdir, `${stack.artifactId}.assets.json`)),
  };
};
