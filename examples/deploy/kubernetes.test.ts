/**
 * The Kubernetes recipe (kubernetes/mysite.yaml), validated without a cluster: every object
 * against the Kubernetes API schema (kubernetes-models' generated validators), and the
 * settings that must agree across objects: termination grace above preStop + --graceful-timeout,
 * probes on declared ports with a Host that TSGI_ALLOWED_HOSTS accepts, the Service selecting
 * the pods and targeting the web server's port, the web server proxying to the app server's.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';

type Doc = Record<string, unknown> & { kind: string };

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
      const sleep = Number(container.lifecycle?.preStop?.exec?.command?.[1] ?? 0);
      assert.ok(grace > sleep + graceful, `${container.name}: ${grace} > ${sleep} + ${graceful}`);
    }
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
