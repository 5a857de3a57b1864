// Every alarm of every environment links a runbook that exists, and every runbook belongs to an alarm: the
// description ends with `Runbook: <base>/<name>.md`, where base is docs/runbooks or -c runbookBaseUrl.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createTradingStack } from '../../infra/app';
import { RUNBOOK_DIR, RUNBOOKS } from '../../infra/alarm-runbooks';
import { DEPLOY_CONTEXT, fastApp, templateFor } from './synth';

const ROOT = join(import.meta.dirname, '..', '..');
const ENVS = ['dev', 'staging', 'prod'] as const;
const SECTIONS = ['What it means', 'How to confirm it', 'What to do', 'How to recover', 'Who may release'];

const alarmDescriptions = (template: Template): [string, string][] =>
  Object.entries(template.findResources('AWS::CloudWatch::Alarm')).map(([id, r]) => [id, String((r as { Properties: { AlarmDescription?: unknown } }).Properties.AlarmDescription ?? '')]);

const runbookOf = (description: string): string | undefined => /Runbook: (\S+)$/.exec(description)?.[1];

const runbookFiles = (): string[] =>
  readdirSync(join(ROOT, RUNBOOK_DIR))
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .sort();

describe('the runbook of every alarm', () => {
  it.each(ENVS)('links an existing runbook from every alarm of %s', (env) => {
    const alarms = alarmDescriptions(templateFor(env));
    expect(alarms.length).toBeGreaterThan(0);
    for (const [id, description] of alarms) {
      const link = runbookOf(description);
      expect(link, `${id}: ${description}`).toMatch(new RegExp(`^${RUNBOOK_DIR}/[a-z0-9-]+\\.md$`));
      expect(existsSync(join(ROOT, link ?? '')), `${id} links ${link}, which does not exist`).toBe(true);
    }
  });

  it('has an alarm for every runbook, and a runbook for every name the stack may link', () => {
    const linked = new Set(ENVS.flatMap((env) => alarmDescriptions(templateFor(env)).map(([, d]) => runbookOf(d)?.replace(`${RUNBOOK_DIR}/`, ''))));
    expect(runbookFiles()).toEqual([...linked].sort());
    expect(runbookFiles()).toEqual(RUNBOOKS.map((r) => `${r}.md`).sort());
  });

  it.each(RUNBOOKS)('%s says what it means, how to confirm it, what to do, how to recover and who may release', (runbook) => {
    const text = readFileSync(join(ROOT, RUNBOOK_DIR, `${runbook}.md`), 'utf8');
    const headings = [...text.matchAll(/^## (.+)$/gm)].map((m) => m[1]?.trim());
    expect(headings.filter((h) => SECTIONS.includes(h ?? ''))).toEqual(SECTIONS);
    expect(text).toMatch(/^Alarm: .+\(tier: (page|ticket|dashboard)/m);
  });

  it('links under -c runbookBaseUrl when given, and refuses a base that is not https', () => {
    const template = Template.fromStack(createTradingStack(fastApp({ ...DEPLOY_CONTEXT, runbookBaseUrl: 'https://runbooks.example.com/trading/' }), 'prod'));
    for (const [, description] of alarmDescriptions(template)) expect(runbookOf(description)).toMatch(/^https:\/\/runbooks\.example\.com\/trading\/[a-z0-9-]+\.md$/);
    expect(() => createTradingStack(fastApp({ ...DEPLOY_CONTEXT, runbookBaseUrl: 'http://runbooks.example.com' }), 'prod')).toThrow(
      '-c runbookBaseUrl=http://runbooks.example.com: must be an https:// URL',
    );
  });
});
