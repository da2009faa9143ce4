/**
 * The status page in nginx's stub_status text and in the Prometheus text exposition format
 * (https://prometheus.io/docs/instrumenting/exposition_formats/).
 * @module
 */
import type { CounterSnapshot, UpstreamSnapshot } from './counters.js';

/**
 * nginx's stub_status body, byte for byte in shape, so existing scrapers parse it.
 * @example renderStub(s) // 'Active connections: 1 \nserver accepts handled requests\n 3 3 7 \nReading: 0 Writing: 1 Waiting: 0 \n'
 */
export function renderStub(s: CounterSnapshot): string {
  return `Active connections: ${s.active} \nserver accepts handled requests\n ${s.accepts} ${s.handled} ${s.requests} \nReading: ${s.reading} Writing: ${s.writing} Waiting: ${s.waiting} \n`;
}

/** The same counters as Prometheus metrics. */
export function renderPrometheus(s: CounterSnapshot, workers: number): string {
  const lines: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, value: number, labels = '') => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}${labels} ${value}`);
  };
  metric('tsgi_webserver_connections_active', 'gauge', 'Open client connections, HTTP/2 sessions included.', s.active);
  metric('tsgi_webserver_connections_accepted_total', 'counter', 'Client connections accepted.', s.accepts);
  metric('tsgi_webserver_connections_handled_total', 'counter', 'Accepted connections not dropped for max_connections.', s.handled);
  metric('tsgi_webserver_http_requests_total', 'counter', 'Client requests.', s.requests);
  lines.push('# HELP tsgi_webserver_connections Open connections by state.', '# TYPE tsgi_webserver_connections gauge');
  lines.push(`tsgi_webserver_connections{state="reading"} ${s.reading}`, `tsgi_webserver_connections{state="writing"} ${s.writing}`, `tsgi_webserver_connections{state="waiting"} ${s.waiting}`);
  metric('tsgi_webserver_workers', 'gauge', 'Worker processes whose counters are included.', workers);
  const p = s.proxy;
  if (p) {
    metric('tsgi_webserver_proxy_requests_total', 'counter', 'Requests passed to upstreams.', p.requests);
    metric('tsgi_webserver_proxy_bad_gateway_total', 'counter', 'Requests answered 502 by the proxy.', p.badGateway);
    metric('tsgi_webserver_proxy_gateway_timeout_total', 'counter', 'Requests answered 504 by the proxy.', p.gatewayTimeout);
    metric('tsgi_webserver_proxy_retries_total', 'counter', 'Requests moved to another upstream server.', p.retries);
    metric('tsgi_webserver_proxy_upgrades_total', 'counter', 'Upgrade (WebSocket) tunnels opened.', p.upgrades);
    const series: Array<[string, 'counter' | 'gauge', string, (x: UpstreamSnapshot['servers'][number]) => number]> = [
      ['tsgi_webserver_upstream_requests_total', 'counter', 'Requests sent to an upstream server.', (x) => x.requests],
      ['tsgi_webserver_upstream_failures_total', 'counter', 'Failed attempts on an upstream server.', (x) => x.failures],
      ['tsgi_webserver_upstream_active', 'gauge', 'Requests in flight to an upstream server.', (x) => x.active],
      ['tsgi_webserver_upstream_connections', 'gauge', 'Connections open to an upstream server, idle (kept alive) or busy.', (x) => x.connections],
      ['tsgi_webserver_upstream_up', 'gauge', 'Workers that consider the upstream server usable.', (x) => x.up],
    ];
    for (const [name, type, help, value] of series) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const u of p.upstreams) {
        for (const srv of u.servers) lines.push(`${name}{upstream="${label(u.name)}",server="${label(srv.name)}"} ${value(srv)}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

/** Escapes a Prometheus label value (backslash, quote, newline). */
function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
