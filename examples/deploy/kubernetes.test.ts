/**
 * The Kubernetes recipe (kubernetes/mysite.yaml), validated without a cluster: every object
 * against the Kubernetes API schema (kubernetes-models' generated validators), and the
 * settings that must agree across objects: termination grace above preStop + --graceful-timeout,
 * probes on declared ports with a Host that TSGI_ALLOWED_HOSTS accepts, the Service selecting
 * the pods and targeting the web server's port, the web server proxying to the app server's.
 * And kubernetes/chain.yaml, the web server and the app servers as separate Deployments: the
 * same schema check, the web server's config (a ConfigMap) parsed as tsgi-webserver parses it, and
 * the settings that must agree across the objects (upstream = the app Service, keep-alive and
 * graceful timeouts, trusted proxies behind a NetworkPolicy, probes' Host in ALLOWED_HOSTS).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { parseConfigText } from 'tsgi-webserver';
import { parseAllDocuments } from 'yaml';

type Doc = Record<string, unknown> & { kind: string; metadata: { name: string } };

/** Every document of a recipe file, as plain objects (asserting the YAML is valid). */
async function readDocs(file: string): Promise<Doc[]> {
  const parsed = parseAllDocuments(await readFile(new URL(file, import.meta.url), 'utf8'));
  for (const doc of parsed) assert.deepEqual(doc.errors, [], 'valid YAML');
  return parsed.map((d) => d.toJS() as Doc);
}

describe('the Kubernetes recipe: Deployment (app + web) and Service', () => {
  let docs: Doc[];
  let deployment: Deployment;
  let service: Service;

  before(async () => {
    const text = await readFile(new URL('./kubernetes/mysite.yaml', import.meta.url), 'utf8');
    const parsed = parseAllDocuments(text);
    for (const doc of parsed) assert.deepEqual(doc.errors, [], 'valid YAML');
    docs = parsed.map((d) => d.toJS() as Doc);
    deployment = new Deployment(docs.find((d) => d.kind === 'Deployment') as never);
    service = new Service(docs.find((d) => d.kind === 'Service') as never);
  });

  it('every object is valid against the Kubernetes API schema', () => {
    assert.deepEqual(docs.map((d) => d.kind).sort(), ['Deployment', 'Service']);
    deployment.validate();
    service.validate();
    // The validator is live: a wrong type is refused.
    const broken = new Deployment({ ...docs.find((d) => d.kind === 'Deployment'), spec: { replicas: 'two' } } as never);
    assert.throws(() => broken.validate(), /replicas must be integer/);
  });

  it('termination grace exceeds preStop + --graceful-timeout in every container', () => {
    const pod = deployment.spec!.template.spec!;
    const grace = pod.terminationGracePeriodSeconds!;
    const app = pod.containers.find((c) => c.name === 'app')!;
    const graceful = Number(/--graceful-timeout (\d+)/.exec(app.command!.join(' '))?.[1]);
    assert.ok(graceful > 0, 'the app server sets --graceful-timeout');
    for (const container of pod.containers) {
      // The first sleep is the wait for the endpoint removal; the graceful stop follows it.
      const sleep = Number(/sleep (\d+)/.exec(container.lifecycle?.preStop?.exec?.command?.join(' ') ?? '')?.[1] ?? 0);
      assert.ok(grace > sleep + graceful, `${container.name}: ${grace} > ${sleep} + ${graceful}`);
    }
    const web = pod.containers.find((c) => c.name === 'web')!;
    assert.match(web.lifecycle!.preStop!.exec!.command!.join(' '), /kill -QUIT 1/, "the web server's graceful stop is QUIT (TERM stops at once)");
    assert.equal(pod.securityContext?.runAsNonRoot, true);
  });

  it('probes use declared ports, and the app probes send a Host TSGI_ALLOWED_HOSTS accepts', () => {
    const pod = deployment.spec!.template.spec!;
    for (const container of pod.containers) {
      const ports = new Set((container.ports ?? []).flatMap((p) => [p.name, p.containerPort]));
      for (const probe of [container.readinessProbe, container.livenessProbe]) {
        if (probe?.httpGet === undefined) continue;
        assert.ok(ports.has(probe.httpGet.port), `${container.name}: probe port ${probe.httpGet.port} is declared`);
      }
      assert.ok(container.readinessProbe?.httpGet !== undefined, `${container.name} has a readiness probe`);
    }
    const app = pod.containers.find((c) => c.name === 'app')!;
    assert.ok(app.livenessProbe?.httpGet !== undefined, 'the app has a liveness probe');
    const allowed = (app.env?.find((e) => e.name === 'TSGI_ALLOWED_HOSTS')?.value ?? '').split(',');
    for (const probe of [app.readinessProbe!, app.livenessProbe!]) {
      const host = probe.httpGet!.httpHeaders?.find((h) => h.name.toLowerCase() === 'host')?.value;
      assert.ok(host !== undefined && allowed.includes(host), `probe Host ${host} is in TSGI_ALLOWED_HOSTS ${allowed.join(',')}`);
    }
  });

  it('the Service selects the pods and targets the web server, which proxies to the app server', () => {
    const template = deployment.spec!.template;
    for (const [key, value] of Object.entries(service.spec!.selector!)) assert.equal(template.metadata?.labels?.[key], value);
    assert.deepEqual(deployment.spec!.selector.matchLabels, service.spec!.selector);
    const web = template.spec!.containers.find((c) => c.name === 'web')!;
    const target = service.spec!.ports![0]!.targetPort;
    assert.ok(web.ports?.some((p) => p.name === target || p.containerPort === target), `targetPort ${target} is the web container's`);
    const app = template.spec!.containers.find((c) => c.name === 'app')!;
    const appPort = app.ports![0]!.containerPort;
    assert.ok(web.command!.join(' ').includes(`--to 127.0.0.1:${appPort}`), 'tsgi-webserver proxies to the app container over loopback');
    assert.match(web.command!.join(' '), /--static \/static\/=\/app\/staticfiles/, 'static files from the image (the Dockerfile puts them in /app/staticfiles)');
  });
});

describe('the Kubernetes chain recipe: web server and app servers as separate Deployments', () => {
  let docs: Doc[];
  const named = <T,>(kind: string, name: string, make: (doc: never) => T): T => {
    const doc = docs.find((d) => d.kind === kind && d.metadata.name === name);
    assert.ok(doc, `a ${kind} named ${name}`);
    return make(doc as never);
  };

  before(async () => {
    docs = await readDocs('./kubernetes/chain.yaml');
  });

  it('every object is valid against the Kubernetes API schema', () => {
    assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort(), [
      'ConfigMap/mysite-web', 'Deployment/mysite-app', 'Deployment/mysite-web', 'NetworkPolicy/mysite-app', 'Service/mysite', 'Service/mysite-app',
    ]);
    for (const doc of docs) {
      const make = { ConfigMap, Deployment, NetworkPolicy, Service }[doc.kind as 'ConfigMap' | 'Deployment' | 'NetworkPolicy' | 'Service'];
      new make(doc as never).validate();
    }
  });

  it('the settings agree: upstream, keep-alive, graceful stops, trust, probes', () => {
    const config = named('ConfigMap', 'mysite-web', (d) => new ConfigMap(d));
    const web = parseConfigText(config.data!['mysite.toml']!, 'chain.yaml mysite.toml');
    const appDeployment = named('Deployment', 'mysite-app', (d) => new Deployment(d));
    const webDeployment = named('Deployment', 'mysite-web', (d) => new Deployment(d));
    const appService = named('Service', 'mysite-app', (d) => new Service(d));
    const webService = named('Service', 'mysite', (d) => new Service(d));
    const policy = named('NetworkPolicy', 'mysite-app', (d) => new NetworkPolicy(d));
    const app = appDeployment.spec!.template.spec!.containers[0]!;
    const argv = app.command!;
    const flag = (name: string) => argv[argv.indexOf(name) + 1];

    // The web server's upstream is the app Service, on the port the app container listens on.
    const upstream = web.upstreams.get('mysite')!;
    const server = upstream.servers[0]!.address;
    assert.equal(server.kind === 'tcp' && `${server.host}:${server.port}`, `${appService.metadata!.name}:${appService.spec!.ports![0]!.port}`);
    assert.equal(appService.spec!.ports![0]!.targetPort, app.ports![0]!.name);
    assert.equal(flag('-b'), `0.0.0.0:${app.ports![0]!.containerPort}`);
    // Each Service selects its own pods only.
    assert.deepEqual(appService.spec!.selector, appDeployment.spec!.selector.matchLabels);
    assert.deepEqual(webService.spec!.selector, webDeployment.spec!.selector.matchLabels);
    assert.notDeepEqual(appService.spec!.selector, webService.spec!.selector);
    const webContainer = webDeployment.spec!.template.spec!.containers[0]!;
    assert.ok(webContainer.ports!.some((p) => p.name === webService.spec!.ports![0]!.targetPort), 'the public Service targets the web pods');
    assert.match(web.servers[0]!.listen[0]!.key, new RegExp(`:${webContainer.ports![0]!.containerPort}$`), 'the web server listens on the web container\'s port');
    // The ConfigMap is mounted where the web server reads its config.
    const mount = webContainer.volumeMounts!.find((m) => m.name === webDeployment.spec!.template.spec!.volumes![0]!.name)!;
    assert.equal(webContainer.command!.at(-1), `${mount.mountPath}/mysite.toml`);

    // Keep-alive: the web server drops idle upstream connections before the app server would.
    assert.ok(upstream.keepaliveTimeoutMs < Number(flag('--keep-alive')) * 1000, 'upstream keepalive_timeout < --keep-alive');
    // Graceful stops: the same grace on both sides, and each pod's termination grace above preStop + it.
    const graceful = Number(flag('--graceful-timeout'));
    assert.equal(web.shutdownTimeoutMs, graceful * 1000, 'worker_shutdown_timeout = --graceful-timeout');
    for (const deployment of [appDeployment, webDeployment]) {
      const pod = deployment.spec!.template.spec!;
      for (const container of pod.containers) {
        const hook = container.lifecycle?.preStop?.exec?.command?.join(' ') ?? '';
        // The first sleep is the wait for the endpoint removal; the graceful stop follows it.
        const delay = Number(/sleep (\d+)/.exec(hook)?.[1] ?? 0);
        assert.ok(pod.terminationGracePeriodSeconds! > delay + graceful, `${container.name}: grace ${pod.terminationGracePeriodSeconds} > preStop ${delay} + ${graceful}`);
      }
    }
    assert.match(webContainer.lifecycle!.preStop!.exec!.command!.join(' '), /kill -QUIT 1/, "the web server's graceful stop is QUIT (TERM stops at once)");

    // Trust: the app servers believe forwarding headers from the pod network, and the
    // NetworkPolicy lets only the web pods reach them.
    assert.match(flag('--forwarded-allow-ips')!, /^\d+\.\d+\.\d+\.\d+\/\d+$/, 'a CIDR, not *');
    assert.deepEqual(policy.spec!.podSelector.matchLabels, appDeployment.spec!.selector.matchLabels);
    assert.deepEqual(policy.spec!.policyTypes, ['Ingress']);
    const rule = policy.spec!.ingress![0]!;
    assert.deepEqual(rule.from!.map((f) => f.podSelector?.matchLabels), [webDeployment.spec!.selector.matchLabels]);
    assert.deepEqual(rule.ports!.map((p) => p.port), [app.ports![0]!.containerPort]);

    // Probes send a Host that TSGI_ALLOWED_HOSTS accepts; both access logs carry the request id.
    const allowed = (app.env!.find((e) => e.name === 'TSGI_ALLOWED_HOSTS')!.value ?? '').split(',');
    for (const probe of [app.readinessProbe!, app.livenessProbe!]) {
      const host = probe.httpGet!.httpHeaders?.find((h) => h.name.toLowerCase() === 'host')?.value;
      assert.ok(host !== undefined && allowed.includes(host), `probe Host ${host} in ${allowed.join(',')}`);
    }
    assert.equal(web.accessLogFormat, 'combined_id');
    assert.ok(argv.includes('--access-log-json'), 'the app servers log request_id (JSON lines)');
  });
});
