/**
 * deploy/k8s: the kustomize base and overlays, rendered here (the kustomize binary cannot be had
 * offline; when `kubectl` is on the PATH its built-in kustomize must render the same), every
 * object validated against the Kubernetes JSON schemas of `kubernetes-models`, then checked for
 * what the schemas cannot say: probes, resources, the pods' security, selectors and ports that
 * meet, the network policies' reachability, the Secrets and ConfigMaps every variable comes from,
 * the variables each service's config reads, and docker-compose.yml naming the same processes
 * and ports.
 */
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const K8S = join(ROOT, 'deploy/k8s');
const read = (path: string) => readFileSync(isAbsolute(path) ? path : join(ROOT, path), 'utf8');

// ---------------------------------------------------------------------------------------------
// Kubernetes objects, loosely typed: the schemas check their shape, the tests below their meaning.

type Labels = Record<string, string>;
interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
  };
}
interface ContainerPort {
  name?: string;
  containerPort: number;
}
interface Probe {
  httpGet?: { path: string; port: number | string };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: ContainerPort[];
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string; optional?: boolean } }>;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  enableServiceLinks?: boolean;
  automountServiceAccountToken?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  volumes?: Array<{ name: string; emptyDir?: object; secret?: { secretName: string; items?: Array<{ key: string }>; optional?: boolean }; configMap?: { name: string } }>;
}
interface PodTemplate {
  metadata?: { labels?: Labels };
  spec: PodSpec;
}
interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface NetworkPolicyPort {
  port?: number | string;
  protocol?: string;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels; annotations?: Record<string, string> };
  // The rest differs per kind; read through the helpers below.
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  [field: string]: unknown;
}

type Mapping = Record<string, unknown>;
const isMapping = (value: unknown): value is Mapping => typeof value === 'object' && value !== null && !Array.isArray(value);

// ---------------------------------------------------------------------------------------------
// A minimal kustomize: what deploy/k8s uses and nothing more, so a kustomization that reaches for
// anything else fails here instead of rendering differently.

/** YAML 1.1, as kubectl and kustomize read manifests (`defaultMode: 0440` is octal there). */
function parseManifests(text: string, source: string): K8sObject[] {
  return parseAllDocuments(text, { version: '1.1' })
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${source}: ${document.errors.map((error) => error.message).join('; ')}`);
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

const KUSTOMIZATION_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'replicas', 'labels', 'patches']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition']);
const WORKLOADS_WITH_TEMPLATES = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/** Strategic-merge keys of the lists deploy/k8s patches; any other list is replaced whole. */
function mergeKey(field: string, items: unknown[]): string | undefined {
  if (['containers', 'initContainers', 'env', 'volumes', 'imagePullSecrets'].includes(field)) return 'name';
  if (field === 'volumeMounts') return 'mountPath';
  if (field === 'topologySpreadConstraints') return 'topologyKey';
  if (field === 'ports') return items.some((item) => isMapping(item) && 'containerPort' in item) ? 'containerPort' : 'port';
  return undefined;
}

function strategicMerge(target: Mapping, patch: Mapping): Mapping {
  const merged: Mapping = { ...target };
  for (const [field, value] of Object.entries(patch)) {
    if (field.startsWith('$')) throw new Error(`unsupported strategic-merge directive ${field}`);
    const current = merged[field];
    if (value === null) delete merged[field];
    else if (isMapping(value) && isMapping(current)) merged[field] = strategicMerge(current, value);
    else if (Array.isArray(value) && Array.isArray(current) && mergeKey(field, [...current, ...value])) {
      const key = mergeKey(field, [...current, ...value])!;
      const list = [...current];
      for (const item of value) {
        const index = list.findIndex((existing) => isMapping(existing) && isMapping(item) && existing[key] === item[key]);
        if (index >= 0 && isMapping(item)) list[index] = strategicMerge(list[index] as Mapping, item);
        else list.push(item);
      }
      merged[field] = list;
    } else merged[field] = value;
  }
  return merged;
}

function podTemplate(object: K8sObject): PodTemplate | undefined {
  return WORKLOADS_WITH_TEMPLATES.has(object.kind) ? (object.spec?.template as PodTemplate | undefined) : undefined;
}

function render(directory: string): K8sObject[] {
  const kustomization = parse(read(join(directory, 'kustomization.yaml'))) as Mapping;
  for (const field of Object.keys(kustomization)) {
    if (!KUSTOMIZATION_FIELDS.has(field)) throw new Error(`${directory}: kustomization field "${field}" is not one the test renders`);
  }
  let objects: K8sObject[] = [];
  for (const resource of (kustomization.resources as string[] | undefined) ?? []) {
    const path = resolve(directory, resource);
    objects.push(...(statSync(path).isDirectory() ? render(path) : parseManifests(read(path), path)));
  }

  for (const entry of (kustomization.patches as Array<{ path?: string; patch?: string; target?: unknown }> | undefined) ?? []) {
    if (entry.target) throw new Error(`${directory}: patches with a target are not rendered here`);
    const source = entry.path ? join(directory, entry.path) : `${directory} (inline patch)`;
    for (const patch of parseManifests(entry.path ? read(source) : (entry.patch ?? ''), source)) {
      const index = objects.findIndex((object) => object.kind === patch.kind && object.metadata.name === patch.metadata.name);
      if (index < 0) throw new Error(`${source}: no ${patch.kind} ${patch.metadata.name} to patch`);
      const { $patch: directive, ...rest } = patch as K8sObject & { $patch?: string };
      if (directive === 'delete') objects.splice(index, 1);
      else if (directive === undefined) objects[index] = strategicMerge(objects[index]!, rest) as K8sObject;
      else throw new Error(`${source}: unsupported $patch: ${directive}`);
    }
  }

  const namespace = kustomization.namespace as string | undefined;
  if (namespace) {
    objects = objects.map((object) => (CLUSTER_SCOPED.has(object.kind) ? object : { ...object, metadata: { ...object.metadata, namespace } }));
  }

  for (const entry of (kustomization.labels as Array<{ pairs: Labels; includeSelectors?: boolean; includeTemplates?: boolean }> | undefined) ?? []) {
    if (entry.includeSelectors) throw new Error(`${directory}: labels with includeSelectors are not rendered here`);
    for (const object of objects) {
      object.metadata.labels = { ...object.metadata.labels, ...entry.pairs };
      const template = podTemplate(object);
      if (entry.includeTemplates && template) template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, ...entry.pairs } };
    }
  }

  for (const image of (kustomization.images as Array<{ name: string; newName?: string; newTag?: string; digest?: string }> | undefined) ?? []) {
    for (const object of objects) {
      const spec = podTemplate(object)?.spec;
      for (const container of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
        const name = container.image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
        if (name !== image.name) continue;
        const tag = image.digest ? `@${image.digest}` : image.newTag ? `:${image.newTag}` : container.image.slice(name.length);
        container.image = `${image.newName ?? name}${tag}`;
      }
    }
  }

  for (const { name, count } of (kustomization.replicas as Array<{ name: string; count: number }> | undefined) ?? []) {
    const target = objects.find((object) => object.kind === 'Deployment' && object.metadata.name === name);
    if (!target) throw new Error(`${directory}: replicas for a Deployment ${name} that does not exist`);
    target.spec.replicas = count;
  }
  return objects;
}

// ---------------------------------------------------------------------------------------------
// What the platform is, from its own files.

/** docker-compose.yml's application services (built from this repository), with their environment. */
function composeServices(): Map<string, { port: number; env: Record<string, string>; readinessPath?: string }> {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Mapping> };
  const services = new Map<string, { port: number; env: Record<string, string>; readinessPath?: string }>();
  for (const [name, service] of Object.entries(compose.services)) {
    if (!service.build) continue;
    const env = Object.fromEntries(Object.entries((service.environment as Mapping | undefined) ?? {}).map(([key, value]) => [key, String(value)]));
    const port = Number(env[name === 'gateway' ? 'GATEWAY_PORT' : `${name.toUpperCase()}_PORT`]);
    const healthcheck = JSON.stringify((service.healthcheck as Mapping | undefined)?.test ?? '');
    services.set(name, { port, env, readinessPath: /localhost:\d+(\/[\w/]+)/.exec(healthcheck)?.[1] });
  }
  return services;
}

const COMPOSE = composeServices();
const SUBGRAPHS = readdirSync(join(ROOT, 'subgraphs')).filter((name) => existsSync(join(ROOT, 'subgraphs', name, 'src/config.ts')));
const LLM_SUBGRAPHS = SUBGRAPHS.filter((name) => read(`subgraphs/${name}/src/config.ts`).includes('llmEnv'));
const PROCESSES = ['gateway', ...SUBGRAPHS];

/** The variables a process's config can read: its own config.ts and the runtime's shared schemas. */
function configVariables(process: string): Set<string> {
  const sources = [read('packages/runtime/src/config.ts'), read(process === 'gateway' ? 'gateway/src/config.ts' : `subgraphs/${process}/src/config.ts`)].join('\n');
  return new Set([...sources.matchAll(/\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{4,})\s*:/g)].map((match) => match[1]!));
}

/** Read outside config.ts: SERVICE by the Dockerfile's CMD, TMPDIR by Node (and tsx's cache). */
const NON_CONFIG_VARIABLES = new Set(['SERVICE', 'TMPDIR']);

// ---------------------------------------------------------------------------------------------
// Helpers over rendered objects.

const byKind = (objects: K8sObject[], kind: string) => objects.filter((object) => object.kind === kind);
const find = (objects: K8sObject[], kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata.name === name);

function selects(selector: LabelSelector | undefined, labels: Labels = {}): boolean {
  if (!selector) return false;
  const matchLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const matchExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    if (operator === 'In') return key in labels && values.includes(labels[key]!);
    if (operator === 'NotIn') return !(key in labels) || !values.includes(labels[key]!);
    if (operator === 'Exists') return key in labels;
    return !(key in labels);
  });
  return matchLabels && matchExpressions;
}

function quantity(value: string | number | undefined): number {
  if (value === undefined) return Number.NaN;
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G)?$/.exec(value);
  if (!match) return Number.NaN;
  const factor = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9 }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * factor;
}

/** Every variable a container gets, with where it comes from. */
function containerEnv(container: Container, objects: K8sObject[]): Map<string, { value?: string; secret?: { name: string; key: string } }> {
  const env = new Map<string, { value?: string; secret?: { name: string; key: string } }>();
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      for (const [key, value] of Object.entries(find(objects, 'ConfigMap', source.configMapRef.name)?.data ?? {})) env.set(key, { value });
    }
    if (source.secretRef) throw new Error(`${container.name}: envFrom a whole Secret hides which keys it needs; use secretKeyRef`);
  }
  for (const variable of container.env ?? []) {
    const secret = variable.valueFrom?.secretKeyRef;
    const configMap = variable.valueFrom?.configMapKeyRef;
    if (secret) env.set(variable.name, { secret: { name: secret.name, key: secret.key } });
    else if (configMap) env.set(variable.name, { value: find(objects, 'ConfigMap', configMap.name)?.data?.[configMap.key] });
    else env.set(variable.name, { value: variable.value });
  }
  return env;
}

const processOf = (deployment: K8sObject) => deployment.metadata.name;
const mainContainer = (deployment: K8sObject) => {
  const template = podTemplate(deployment)!;
  return template.spec.containers.find((container) => container.name === deployment.metadata.name) ?? template.spec.containers[0]!;
};

/** The Secrets (name -> keys) the base declares: the contract whatever creates the real ones keeps. */
function secretContract(objects: K8sObject[]): Map<string, Set<string>> {
  return new Map(byKind(objects, 'Secret').map((secret) => [secret.metadata.name, new Set(Object.keys({ ...secret.data, ...secret.stringData }))]));
}

// ---------------------------------------------------------------------------------------------
// A NetworkPolicy evaluator: enough of the semantics to ask who reaches whom.

interface Endpoint {
  /** A pod (namespace, labels, named ports), or an address outside the cluster. */
  pod?: { namespace: string; labels: Labels; ports: Record<string, number> };
  ip?: string;
}

const NAMESPACE_LABELS = (namespace: string): Labels => ({ 'kubernetes.io/metadata.name': namespace });

function ipv4(ip: string): number {
  return ip.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}
function inCidr(ip: string, cidr: string): boolean {
  const [network, bits] = cidr.split('/');
  if (!network || network.includes(':') || ip.includes(':')) return false;
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(ip) / size) === Math.floor(ipv4(network) / size);
}

function peerMatches(peer: NetworkPolicyPeer, policyNamespace: string, other: Endpoint): boolean {
  if (peer.ipBlock) return !!other.ip && inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((cidr) => inCidr(other.ip!, cidr));
  if (!other.pod) return false;
  const namespaceMatches = peer.namespaceSelector ? selects(peer.namespaceSelector, NAMESPACE_LABELS(other.pod.namespace)) : other.pod.namespace === policyNamespace;
  return namespaceMatches && (peer.podSelector ? selects(peer.podSelector, other.pod.labels) : true);
}

function portMatches(ports: NetworkPolicyPort[] | undefined, destination: Endpoint, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((rule) => {
    if ((rule.protocol ?? 'TCP') !== protocol) return false;
    if (rule.port === undefined) return true;
    if (typeof rule.port === 'number') return rule.port === port;
    return destination.pod?.ports[rule.port] === port;
  });
}

function applying(objects: K8sObject[], pod: NonNullable<Endpoint['pod']>, type: 'Ingress' | 'Egress'): K8sObject[] {
  return byKind(objects, 'NetworkPolicy').filter(
    (policy) => (policy.metadata.namespace ?? '') === pod.namespace && selects(policy.spec.podSelector ?? {}, pod.labels) && (policy.spec.policyTypes ?? ['Ingress']).includes(type),
  );
}

/** Whether `from`'s own policies let it send (anything outside the cluster sends freely). */
function egressAllowed(objects: K8sObject[], from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
  if (!from.pod) return true;
  const policies = applying(objects, from.pod, 'Egress');
  return policies.length === 0 || policies.some((policy) =>
    ((policy.spec.egress ?? []) as Array<{ to?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }>).some(
      (rule) => (!rule.to || rule.to.length === 0 || rule.to.some((peer) => peerMatches(peer, from.pod!.namespace, to))) && portMatches(rule.ports, to, port, protocol),
    ),
  );
}

/** Whether `to`'s policies let it receive, whatever the sender's own policies say. */
function ingressAllowed(objects: K8sObject[], from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
  if (!to.pod) return true;
  const policies = applying(objects, to.pod, 'Ingress');
  return policies.length === 0 || policies.some((policy) =>
    ((policy.spec.ingress ?? []) as Array<{ from?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }>).some(
      (rule) => (!rule.from || rule.from.length === 0 || rule.from.some((peer) => peerMatches(peer, to.pod!.namespace, from))) && portMatches(rule.ports, to, port, protocol),
    ),
  );
}

const allowed = (objects: K8sObject[], from: Endpoint, to: Endpoint, port: number, protocol = 'TCP') =>
  egressAllowed(objects, from, to, port, protocol) && ingressAllowed(objects, from, to, port, protocol);

function podsOf(objects: K8sObject[]): Map<string, Endpoint & { port: number }> {
  const pods = new Map<string, Endpoint & { port: number }>();
  for (const workload of objects.filter((object) => podTemplate(object))) {
    const template = podTemplate(workload)!;
    const ports = Object.fromEntries(template.spec.containers.flatMap((container) => (container.ports ?? []).map((port) => [port.name ?? String(port.containerPort), port.containerPort])));
    pods.set(workload.metadata.name, {
      pod: { namespace: workload.metadata.namespace ?? '', labels: template.metadata?.labels ?? {}, ports },
      port: Object.values(ports)[0] ?? 0,
    });
  }
  return pods;
}

// ---------------------------------------------------------------------------------------------

const VARIANTS = ['base', 'overlays/dev', 'overlays/prod'] as const;
const rendered = Object.fromEntries(VARIANTS.map((variant) => [variant, render(join(K8S, variant))])) as Record<(typeof VARIANTS)[number], K8sObject[]>;
const BASE_SECRETS = secretContract(rendered.base);
const commandExists = (command: string) => spawnSync(command, ['version'], { stdio: 'ignore' }).error === undefined;
const HAS_KUBECTL = commandExists('kubectl');
const HAS_OPENSSL = commandExists('openssl');

describe('deploy/k8s', () => {
  describe.each(VARIANTS)('%s', (variant) => {
    const objects = rendered[variant];
    const deployments = byKind(objects, 'Deployment');

    it('renders objects that each validate against the Kubernetes schema of their kind', async () => {
      expect(objects.length).toBeGreaterThan(20);
      for (const object of objects) {
        const models = (await import(`kubernetes-models/${object.apiVersion}`)) as Record<string, new (data: unknown) => { validate(): void }>;
        const Model = models[object.kind];
        expect(Model, `${object.apiVersion} ${object.kind} is a built-in kind`).toBeTypeOf('function');
        expect(() => new Model!(object).validate(), `${object.kind} ${object.metadata.name}`).not.toThrow();
      }
      const names = objects.map((object) => `${object.kind}/${object.metadata.name}`);
      expect(new Set(names).size, 'no object twice').toBe(names.length);
    });

    it.skipIf(!HAS_KUBECTL)("renders as kubectl's own kustomize does", () => {
      const result = spawnSync('kubectl', ['kustomize', join(K8S, variant)], { encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      const key = (object: K8sObject) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
      const sorted = (list: K8sObject[]) => Object.fromEntries(list.map((object) => [key(object), object]));
      expect(sorted(objects)).toEqual(sorted(parseManifests(result.stdout, 'kubectl kustomize')));
    });

    it('has a Deployment, Service and PodDisruptionBudget per docker-compose.yml process, on its port', () => {
      expect(deployments.map(processOf).sort()).toEqual([...COMPOSE.keys()].sort());
      expect(deployments.map(processOf).sort()).toEqual([...PROCESSES].sort());
      for (const [name, { port, readinessPath }] of COMPOSE) {
        const deployment = find(objects, 'Deployment', name)!;
        expect(mainContainer(deployment).ports?.map((declared) => declared.containerPort), name).toEqual([port]);
        expect(find(objects, 'Service', name)?.spec.ports.map((declared: { port: number }) => declared.port), name).toEqual([port]);
        expect(mainContainer(deployment).readinessProbe?.httpGet?.path, `${name}: compose's health check and the readiness probe ask the same`).toBe(readinessPath);
        const pdb = byKind(objects, 'PodDisruptionBudget').find((budget) => selects(budget.spec.selector, podTemplate(deployment)!.metadata?.labels));
        expect(pdb, `${name} has a PodDisruptionBudget`).toBeDefined();
      }
    });

    it('probes every process on /health/live and /health/ready, with a startup probe for its migrations', () => {
      for (const deployment of deployments) {
        const container = mainContainer(deployment);
        const ports = container.ports ?? [];
        const portOf = (probe: Probe | undefined) => ports.find((port) => port.name === probe?.httpGet?.port || port.containerPort === probe?.httpGet?.port)?.containerPort;
        const expected = COMPOSE.get(processOf(deployment))!.port;
        for (const [probe, path] of [[container.startupProbe, '/health/live'], [container.livenessProbe, '/health/live'], [container.readinessProbe, '/health/ready']] as const) {
          expect(probe?.httpGet?.path, deployment.metadata.name).toBe(path);
          expect(portOf(probe), `${deployment.metadata.name} probes its own port`).toBe(expected);
        }
      }
    });

    it('gives every container requests and limits, requests within limits', () => {
      for (const workload of objects.filter((object) => podTemplate(object))) {
        for (const container of podTemplate(workload)!.spec.containers) {
          for (const resource of ['cpu', 'memory']) {
            const request = quantity(container.resources?.requests?.[resource]);
            const limit = quantity(container.resources?.limits?.[resource]);
            expect(request, `${workload.metadata.name} requests ${resource}`).toBeGreaterThan(0);
            expect(limit, `${workload.metadata.name} limits ${resource}`).toBeGreaterThanOrEqual(request);
          }
        }
      }
    });

    it('runs every pod as the image’s node user, read-only, unprivileged, with /tmp its one writable place', () => {
      for (const workload of objects.filter((object) => podTemplate(object))) {
        const { spec } = podTemplate(workload)!;
        const name = workload.metadata.name;
        expect(spec.securityContext, name).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
        expect(spec.automountServiceAccountToken, `${name}: no API token in the pod`).toBe(false);
        // Service links would set e.g. WORKFLOW_PORT=tcp://…, which the services read as their port.
        expect(spec.enableServiceLinks, `${name}: no service-link variables`).toBe(false);
        for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
          expect(container.securityContext, name).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
          expect(container.securityContext?.capabilities?.add, name).toBeUndefined();
          const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
          expect(spec.volumes?.find((volume) => volume.name === tmp?.name)?.emptyDir, `${name}: an emptyDir at /tmp`).toBeDefined();
          expect(containerEnv(container, objects).get('TMPDIR')?.value, `${name}: tsx's cache under TMPDIR`).toBe('/tmp');
        }
      }
    });

    it('runs one image everywhere, the entry picked by SERVICE as the Dockerfile expects', () => {
      expect(read('Dockerfile')).toMatch(/exec node --import tsx \$\{SERVICE\}\/src\/server\.ts/);
      const images = new Set(objects.flatMap((object) => podTemplate(object)?.spec.containers.map((container) => container.image) ?? []));
      expect(images.size).toBe(1);
      for (const deployment of deployments) {
        const service = containerEnv(mainContainer(deployment), objects).get('SERVICE')?.value;
        expect(service, deployment.metadata.name).toBe(processOf(deployment) === 'gateway' ? 'gateway' : `subgraphs/${processOf(deployment)}`);
        expect(existsSync(join(ROOT, `${service}/src/server.ts`)), `${service}/src/server.ts`).toBe(true);
        expect(mainContainer(deployment).command, 'the image’s CMD starts it').toBeUndefined();
      }
    });

    it('points every Service at the pods of one Deployment and one of their declared ports', () => {
      for (const service of byKind(objects, 'Service')) {
        if (service.spec.type === 'ExternalName') continue;
        const targets = deployments.filter((deployment) => selects({ matchLabels: service.spec.selector }, podTemplate(deployment)!.metadata?.labels));
        expect(targets.map(processOf), `Service ${service.metadata.name}`).toEqual([service.metadata.name]);
        for (const port of service.spec.ports as Array<{ targetPort: number | string }>) {
          const declared = mainContainer(targets[0]!).ports?.find((containerPort) => containerPort.name === port.targetPort || containerPort.containerPort === port.targetPort);
          expect(declared, `Service ${service.metadata.name} targets port ${port.targetPort}`).toBeDefined();
        }
      }
      for (const deployment of deployments) {
        expect(selects(deployment.spec.selector, podTemplate(deployment)!.metadata?.labels), `${deployment.metadata.name} selects its own pods`).toBe(true);
      }
    });

    it('leaves PostgreSQL and Redis outside, as ExternalName Services with the names compose gives them', () => {
      for (const [name, port] of [['postgres', 5432], ['redis', 6379]] as const) {
        const service = find(objects, 'Service', name);
        expect(service?.spec).toMatchObject({ type: 'ExternalName', ports: [{ port }] });
        expect(service?.spec.externalName).toMatch(/^[a-z0-9.-]+$/);
      }
    });

    it('targets only existing Deployments with its HPAs and PodDisruptionBudgets', () => {
      for (const hpa of byKind(objects, 'HorizontalPodAutoscaler')) {
        expect(hpa.spec.scaleTargetRef.kind).toBe('Deployment');
        expect(find(objects, 'Deployment', hpa.spec.scaleTargetRef.name), `HPA ${hpa.metadata.name}`).toBeDefined();
      }
      for (const pdb of byKind(objects, 'PodDisruptionBudget')) {
        const matching = deployments.filter((deployment) => selects(pdb.spec.selector, podTemplate(deployment)!.metadata?.labels));
        expect(matching.map(processOf), `PodDisruptionBudget ${pdb.metadata.name}`).toEqual([pdb.metadata.name]);
      }
    });

    it('takes every Secret and ConfigMap key a pod reads from an object that has it', () => {
      for (const workload of objects.filter((object) => podTemplate(object))) {
        const { spec } = podTemplate(workload)!;
        const name = workload.metadata.name;
        const secretKeys = new Map<string, { keys: string[]; optional: boolean }>();
        for (const container of spec.containers) {
          for (const source of container.envFrom ?? []) {
            if (source.configMapRef) expect(find(objects, 'ConfigMap', source.configMapRef.name), `${name}: ConfigMap ${source.configMapRef.name}`).toBeDefined();
          }
          for (const variable of container.env ?? []) {
            const configMap = variable.valueFrom?.configMapKeyRef;
            if (configMap) expect(find(objects, 'ConfigMap', configMap.name)?.data, `${name}: ${configMap.name}`).toHaveProperty([configMap.key]);
            const secret = variable.valueFrom?.secretKeyRef;
            if (secret) secretKeys.set(`${secret.name}\n${secret.key}`, { keys: [secret.key], optional: !!secret.optional });
          }
        }
        for (const volume of spec.volumes ?? []) {
          if (volume.configMap) expect(find(objects, 'ConfigMap', volume.configMap.name), `${name}: ConfigMap ${volume.configMap.name}`).toBeDefined();
          if (volume.secret) {
            for (const key of volume.secret.items?.map((item) => item.key) ?? [...(BASE_SECRETS.get(volume.secret.secretName) ?? [])]) {
              secretKeys.set(`${volume.secret.secretName}\n${key}`, { keys: [key], optional: !!volume.secret.optional });
            }
          }
        }
        for (const [reference] of secretKeys) {
          const [secretName, key] = reference.split('\n') as [string, string];
          // Overlays take the Secrets from outside; whatever makes them keeps the base's names and keys.
          expect(BASE_SECRETS.get(secretName)?.has(key), `${name}: Secret ${secretName} has ${key}`).toBe(true);
          if (variant === 'base') expect({ ...find(objects, 'Secret', secretName)?.stringData, ...find(objects, 'Secret', secretName)?.data }).toHaveProperty([key]);
        }
      }
    });

    it('sets every variable docker-compose.yml sets, to the same in-cluster addresses, and no variable no config reads', () => {
      for (const deployment of deployments) {
        const process = processOf(deployment);
        const env = containerEnv(mainContainer(deployment), objects);
        const compose = COMPOSE.get(process)!;
        for (const [variable, value] of Object.entries(compose.env)) {
          expect(env.has(variable), `${process} sets ${variable}, as compose does`).toBe(true);
          // Compose's own values where they are addresses of this platform's services or ports.
          if (/^(GATEWAY_URL|GATEWAY_JWKS_URL|SUBGRAPH_URL_.*|.*_PORT)$/.test(variable)) expect(env.get(variable)?.value, `${process} ${variable}`).toBe(value);
        }
        const readable = configVariables(process);
        for (const variable of env.keys()) {
          const read = readable.has(variable) || NON_CONFIG_VARIABLES.has(variable) || (process === 'gateway' && variable.startsWith('SUBGRAPH_URL_'));
          expect(read, `${process}: ${variable} is read by its config`).toBe(true);
        }
      }
    });

    it("sets what each service's config requires without a default", () => {
      const has = (env: ReturnType<typeof containerEnv>, variable: string) => env.has(variable) && (env.get(variable)!.secret !== undefined || !!env.get(variable)!.value);
      for (const deployment of deployments) {
        const process = processOf(deployment);
        const env = containerEnv(mainContainer(deployment), objects);
        if (process === 'gateway') {
          // gateway/src/config.ts: exactly one signing key source; HS256 or JWKS client tokens, not both.
          expect(['GATEWAY_SIGNING_KEY', 'GATEWAY_SIGNING_KEY_FILE'].filter((variable) => has(env, variable))).toHaveLength(1);
          expect(['JWT_SECRET', 'JWKS_URL'].filter((variable) => has(env, variable))).toHaveLength(1);
          for (const subgraph of SUBGRAPHS) expect(has(env, `SUBGRAPH_URL_${subgraph.toUpperCase()}`), `gateway routes to ${subgraph}`).toBe(true);
          const keyFile = env.get('GATEWAY_SIGNING_KEY_FILE')?.value ?? '';
          const mount = mainContainer(deployment).volumeMounts?.find((candidate) => keyFile.startsWith(`${candidate.mountPath}/`));
          const volume = podTemplate(deployment)!.spec.volumes?.find((candidate) => candidate.name === mount?.name);
          expect(volume?.secret?.secretName, 'the signing key file is mounted from its Secret').toBe('judgify-gateway-signing-key');
          expect(BASE_SECRETS.get('judgify-gateway-signing-key')?.has(keyFile.slice(mount!.mountPath.length + 1))).toBe(true);
        } else {
          // A read-only root filesystem leaves no room for embedded PGlite: PostgreSQL it is.
          expect(has(env, 'DATABASE_URL'), `${process} DATABASE_URL`).toBe(true);
          expect(['GATEWAY_JWKS_URL', 'GATEWAY_PUBLIC_KEYS', 'GATEWAY_PUBLIC_KEYS_FILE'].filter((variable) => has(env, variable)), `${process}: one source of the gateway's keys`).toHaveLength(1);
          expect(has(env, 'GATEWAY_URL'), `${process} GATEWAY_URL`).toBe(true);
          if (LLM_SUBGRAPHS.includes(process)) for (const variable of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'LLM_MODEL']) expect(env.has(variable), `${process} ${variable}`).toBe(true);
        }
        expect(has(env, 'REDIS_URL'), `${process} REDIS_URL`).toBe(true);
      }
    });

    it('lets only the gateway in from outside, and only the gateway (and Prometheus) reach the subgraphs', () => {
      const pods = podsOf(objects);
      const namespace = pods.get('gateway')!.pod!.namespace;
      const gateway = pods.get('gateway')!;
      const outsider: Endpoint = { pod: { namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' }, ports: {} } };
      const neighbour: Endpoint = { pod: { namespace, labels: { app: 'something-else' }, ports: {} } };
      const prometheus: Endpoint = { pod: { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' }, ports: {} } };
      const internet: Endpoint = { ip: '203.0.113.7' };
      expect(allowed(objects, outsider, gateway, gateway.port), 'ingress controller -> gateway').toBe(true);
      expect(allowed(objects, internet, gateway, gateway.port), 'a LoadBalancer client -> gateway').toBe(true);
      expect(allowed(objects, outsider, gateway, 9999), 'only the gateway’s port').toBe(false);
      for (const subgraph of SUBGRAPHS) {
        const target = pods.get(subgraph)!;
        expect(allowed(objects, gateway, target, target.port), `gateway -> ${subgraph}`).toBe(true);
        expect(allowed(objects, prometheus, target, target.port), `prometheus -> ${subgraph} /metrics`).toBe(true);
        // The subgraph's own ingress refuses them, whatever the sender's egress would allow.
        for (const [name, source] of [['ingress controller', outsider], ['another pod of the namespace', neighbour], ['the internet', internet], ['the migration Job', pods.get('judgify-migrate')!]] as const) {
          expect(ingressAllowed(objects, source, target, target.port), `${name} -> ${subgraph}`).toBe(false);
        }
        for (const other of SUBGRAPHS.filter((name) => name !== subgraph)) {
          expect(ingressAllowed(objects, pods.get(other)!, target, target.port), `${other} -> ${subgraph}: subgraphs never call each other`).toBe(false);
          expect(egressAllowed(objects, pods.get(other)!, target, target.port), `${other} -> ${subgraph}, refused on the way out too`).toBe(false);
        }
        expect(allowed(objects, target, gateway, gateway.port), `${subgraph} -> gateway (JWKS, delegation)`).toBe(true);
      }
      expect(ingressAllowed(objects, gateway, pods.get('judgify-migrate')!, 8080), 'nothing reaches the migration Job').toBe(false);
      expect(ingressAllowed(objects, neighbour, gateway, 9999), 'nor another port of the gateway').toBe(false);
    });

    it('lets pods out only to DNS, their datastores and, for who needs it, the internet', () => {
      const pods = podsOf(objects);
      const dns: Endpoint = { pod: { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ports: {} } };
      const datastore: Endpoint = { ip: '10.20.0.5' };
      const llm: Endpoint = { ip: '198.51.100.20' };
      const webhook: Endpoint = { ip: '203.0.113.50' };
      const privateHost: Endpoint = { ip: '192.168.1.10' };
      for (const [name, pod] of pods) {
        expect(allowed(objects, pod, dns, 53, 'UDP'), `${name} -> DNS`).toBe(true);
        const isSubgraph = SUBGRAPHS.includes(name);
        expect(allowed(objects, pod, datastore, 5432), `${name} -> PostgreSQL`).toBe(isSubgraph || name === 'judgify-migrate');
        expect(allowed(objects, pod, datastore, 6379), `${name} -> Redis`).toBe(name !== 'judgify-migrate');
        expect(allowed(objects, pod, llm, 443), `${name} -> an LLM endpoint or identity provider on 443`).toBe(LLM_SUBGRAPHS.includes(name) || name === 'workflow' || name === 'gateway');
        expect(allowed(objects, pod, webhook, 8443), `${name} -> a webhook on any port`).toBe(name === 'workflow');
        expect(allowed(objects, pod, privateHost, 80), `${name} -> a private address`).toBe(false);
      }
      for (const workflow of SUBGRAPHS) expect(LLM_SUBGRAPHS.includes(workflow) || workflow === 'workflow', `${workflow}'s egress is accounted for`).toBe(true);
    });

    it('runs a migration Job with the database and nothing else', () => {
      const job = find(objects, 'Job', 'judgify-migrate');
      const container = podTemplate(job!)!.spec.containers[0]!;
      expect(container.command).toEqual(['node', '--import', 'tsx', 'scripts/migrate.ts']);
      expect([...containerEnv(container, objects).keys()].sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'REDIS_PREFIX', 'TMPDIR']);
    });
  });

  it('has the migrate-only entry the migration Job runs', () => {
    expect(existsSync(join(ROOT, 'scripts/migrate.ts')), 'scripts/migrate.ts (specified in docs/kubernetes.md, "Migrations")').toBe(true);
  });

  it('keeps placeholder Secrets in the base that no service could start with', () => {
    const values = byKind(rendered.base, 'Secret').flatMap((secret) => Object.values(secret.stringData ?? {}));
    expect(byKind(rendered.base, 'Secret').every((secret) => secret.data === undefined)).toBe(true);
    for (const value of values) expect(value === '' || value.includes('REPLACE_ME'), value).toBe(true);
    // gateway/src/config.ts refuses a JWT_SECRET under 32 characters.
    expect(find(rendered.base, 'Secret', 'judgify-gateway')?.stringData?.JWT_SECRET?.length).toBeLessThan(32);
    expect(BASE_SECRETS).toEqual(
      new Map([
        ['judgify-datastores', new Set(['DATABASE_URL', 'REDIS_URL'])],
        ['judgify-gateway', new Set(['JWT_SECRET'])],
        ['judgify-gateway-signing-key', new Set(['signing-key.pem'])],
        ['judgify-llm', new Set(['OPENAI_API_KEY'])],
      ]),
    );
  });

  it.each(['overlays/dev', 'overlays/prod'] as const)('%s applies no Secret, so it never overwrites the real ones', (variant) => {
    expect(byKind(rendered[variant], 'Secret')).toEqual([]);
  });

  it.skipIf(!HAS_OPENSSL)('create-secrets.sh makes every Secret and key the pods read, with a usable key pair and JWT secret', async () => {
    const result = spawnSync('sh', [join(K8S, 'create-secrets.sh'), '--print', 'judgify'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, DATABASE_URL: 'postgres://judgify:secret@postgres:5432/judgify', REDIS_URL: 'redis://:secret@redis:6379' },
    });
    expect(result.status, result.stderr).toBe(0);
    const secrets = parseManifests(result.stdout, 'create-secrets.sh');
    const { Secret } = await import('kubernetes-models/v1');
    for (const secret of secrets) expect(() => new Secret(secret as never).validate()).not.toThrow();
    expect(secretContract(secrets)).toEqual(BASE_SECRETS);
    const value = (name: string, key: string) => Buffer.from(find(secrets, 'Secret', name)!.data![key]!, 'base64').toString('utf8');
    expect(value('judgify-datastores', 'DATABASE_URL')).toBe('postgres://judgify:secret@postgres:5432/judgify');
    expect(value('judgify-gateway', 'JWT_SECRET').length).toBeGreaterThanOrEqual(32);
    expect(createPrivateKey(value('judgify-gateway-signing-key', 'signing-key.pem')).asymmetricKeyType).toBe('ed25519');
    expect(secrets.every((secret) => secret.metadata.namespace === 'judgify')).toBe(true);
  });

  it('runs dev small: one replica each, no autoscaling, the dev image', () => {
    const objects = rendered['overlays/dev'];
    expect(byKind(objects, 'HorizontalPodAutoscaler')).toEqual([]);
    for (const deployment of byKind(objects, 'Deployment')) {
      expect(deployment.spec.replicas ?? 1, deployment.metadata.name).toBe(1);
      expect(mainContainer(deployment).image).toBe('judgify:dev');
    }
    expect(find(objects, 'Namespace', 'judgify-dev')).toBeDefined();
  });

  it('runs prod on two or more replicas, pinned, with HPAs for the gateway and judgment on CPU and a metric the services export', () => {
    const objects = rendered['overlays/prod'];
    const hpas = byKind(objects, 'HorizontalPodAutoscaler');
    expect(hpas.map((hpa) => hpa.spec.scaleTargetRef.name).sort()).toEqual(['gateway', 'judgment']);
    for (const deployment of byKind(objects, 'Deployment')) {
      const hpa = hpas.find((candidate) => candidate.spec.scaleTargetRef.name === deployment.metadata.name);
      // An HPA owns its Deployment's count: a replicas field would reset it at every apply.
      if (hpa) expect(deployment.spec.replicas, deployment.metadata.name).toBeUndefined();
      expect(hpa ? hpa.spec.minReplicas : deployment.spec.replicas, deployment.metadata.name).toBeGreaterThanOrEqual(2);
      const { requests, limits } = mainContainer(deployment).resources ?? {};
      expect(quantity(requests?.memory), `${deployment.metadata.name}: memory requested as limited`).toBe(quantity(limits?.memory));
      const image = mainContainer(deployment).image;
      expect(image, 'a pinned release, not a moving tag').toMatch(/(:\d+\.\d+\.\d+|@sha256:[0-9a-f]{64})$/);
    }
    expect(find(objects, 'Namespace', 'judgify')?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');

    const adapter = parse(read('deploy/k8s/prometheus-adapter-rules.yaml')) as { rules: { custom: Array<{ seriesQuery: string; name: { as: string } }> } };
    const sources = [
      ...['packages/runtime/src', 'gateway/src', ...SUBGRAPHS.map((name) => `subgraphs/${name}/src`)].flatMap((directory) =>
        readdirSync(join(ROOT, directory), { recursive: true, encoding: 'utf8' })
          .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
          .map((file) => read(join(directory, file))),
      ),
    ].join('\n');
    for (const hpa of hpas) {
      const kinds = (hpa.spec.metrics as Array<{ type: string; resource?: { name: string }; pods?: { metric: { name: string } } }>).map((metric) => metric.type);
      expect(kinds, hpa.metadata.name).toEqual(['Resource', 'Pods']);
      for (const metric of hpa.spec.metrics as Array<{ pods?: { metric: { name: string } } }>) {
        if (!metric.pods) continue;
        const rule = adapter.rules.custom.find((candidate) => candidate.name.as === metric.pods!.metric.name);
        expect(rule, `prometheus-adapter serves ${metric.pods.metric.name}`).toBeDefined();
        const series = /^(\w+)\{/.exec(rule!.seriesQuery)?.[1];
        expect(sources, `${series} is on /metrics`).toContain(`name: '${series}'`);
      }
    }
  });
});
