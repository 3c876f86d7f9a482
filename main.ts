import { App } from './lib/core/cdk';
import { EXAMPLE_STACKS } from './stacks';

const app = new App({ outdir: process.env.CDKTF_OUTDIR ?? 'cdktf.out' });
for (const example of EXAMPLE_STACKS) example.build(app, example.name);
app.synth();
