/**
 * The status page in nginx's stub_status text and in the Prometheus text exposition format
 * (https://prometheus.io/docs/instrumenting/exposition_formats/).
 * @module
 */
import type { CounterSnapshot } from './counters.js';

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
  return lines.join('\n') + '\n';
}
