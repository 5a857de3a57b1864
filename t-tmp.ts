import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createTradingStack } from '/work/main/infra/app';
for (const e of ['prod','dev','staging','prod']) {
  const t0 = performance.now();
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  Template.fromStack(createTradingStack(app, e));
  console.log(e, (performance.now()-t0).toFixed(0), 'ms');
}
