import { Construct } from 'constructs';
import { HelloBindingsStack } from '../examples/hello-bindings';
import { buildQuickstart } from '../examples/quickstart';
import { Jetstream2OctaviaStack } from '../examples/jetstream2-octavia';
import { OctaviaHttpsStack } from '../examples/octavia-https';
import { SharedStateStack } from '../examples/shared-state';
import { BuildingBlocksStack } from '../examples/building-blocks';
import { VisaNginxStack } from '../examples/visa-nginx';
import { PavicsNginxStack } from '../examples/pavics-nginx';
import { NsbootHaproxyStack } from '../examples/nsboot-haproxy';
import { BalancerHaStack } from '../examples/balancer-ha';
import { RuntimePoolsStack } from '../examples/runtime-pools';
import { VisaStack } from '../examples/visa';
import { VelociraptorStack } from '../examples/velociraptor';
import { Jetstream2OctaviaVariantStack } from '../examples/jetstream2-octavia-variants';
import { NsbootNginxStack } from '../examples/nsboot-nginx';
import { SharedStorageStack } from '../examples/shared-storage';
import { FarmStack } from '../examples/embed';
import { NsbootHaproxyTlsStack } from '../examples/nsboot-haproxy-tls';
import { Algorithm } from '../lib/core/balancing';
import { VisaDockerStack } from '../examples/visa-docker';
import { PavicsDockerStack } from '../examples/pavics-docker';

/** One synthesizable example: its stack name and how to build it. */
export interface ExampleStack {
  /** Stack name (the folder under cdktf.out/stacks). */
  readonly name: string;
  /** Builds the stack in `app`. */
  readonly build: (app: Construct, name: string) => void;
}

/** Every example stack `npm run synth` writes and the tests synthesize. */
export const EXAMPLE_STACKS: readonly ExampleStack[] = [
  { name: 'climate', build: (app) => buildQuickstart(app) },
  { name: 'hello-bindings', build: (app, name) => new HelloBindingsStack(app, name) },
  { name: 'jetstream2-octavia', build: (app, name) => new Jetstream2OctaviaStack(app, name) },
  { name: 'shared-state', build: (app, name) => new SharedStateStack(app, name) },
  { name: 'building-blocks', build: (app, name) => new BuildingBlocksStack(app, name) },
  { name: 'visa-nginx', build: (app, name) => new VisaNginxStack(app, name) },
  { name: 'pavics-nginx', build: (app, name) => new PavicsNginxStack(app, name) },
  { name: 'nsboot-haproxy', build: (app, name) => new NsbootHaproxyStack(app, name) },
  { name: 'balancer-ha', build: (app, name) => new BalancerHaStack(app, name) },
  { name: 'octavia-https', build: (app, name) => new OctaviaHttpsStack(app, name) },
  { name: 'runtime-pools', build: (app, name) => new RuntimePoolsStack(app, name) },
  { name: 'visa', build: (app, name) => new VisaStack(app, name) },
  { name: 'farm', build: (app, name) => new FarmStack(app, name) },
  { name: 'shared-storage-nfs', build: (app, name) => new SharedStorageStack(app, name, 'nfs') },
  { name: 'shared-storage-zfs', build: (app, name) => new SharedStorageStack(app, name, 'zfs') },
  { name: 'nsboot-haproxy-tls', build: (app, name) => new NsbootHaproxyTlsStack(app, name) },
  { name: 'nsboot-nginx', build: (app, name) => new NsbootNginxStack(app, name) },
  { name: 'velociraptor', build: (app, name) => new VelociraptorStack(app, name) },
  {
    name: 'jetstream2-octavia-least-connections',
    build: (app, name) => new Jetstream2OctaviaVariantStack(app, name, Algorithm.leastConnections()),
  },
  {
    name: 'jetstream2-octavia-source-ip',
    build: (app, name) => new Jetstream2OctaviaVariantStack(app, name, Algorithm.sourceIp()),
  },
  { name: 'visa-docker', build: (app, name) => new VisaDockerStack(app, name) },
  { name: 'pavics-docker', build: (app, name) => new PavicsDockerStack(app, name) },
];
