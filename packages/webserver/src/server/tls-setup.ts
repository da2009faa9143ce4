/**
 * How every TLS socket of one worker handshakes: a SecureContext per certificate (chosen by SNI)
 * with the config's protocols, ciphers and session timeout; the session ticket keys on each
 * context ({@link TicketKeyRing}); and OCSP staples per certificate ({@link createStaple}).
 * @module
 */
import { constants, createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { SecureContext, SecureContextOptions, Server as TlsServer, TlsOptions } from 'node:tls';
import type { ServerTls, SslConfig } from '../config/types.js';
import { createStaple, pemCertificates } from './ocsp-stapling.js';
import type { Staple, StaplingLog } from './ocsp-stapling.js';
import { TicketKeyRing, TicketKeyRotation } from './session-tickets.js';
import type { SiteRuntime, SocketGroup } from './sites.js';

// node:tls's values through getBuiltinModule when a TLS listener is set up, not import: a worker
// serving plain HTTP does not load it (+5 MB of RSS on Node 24; responses.ts).

/** OpenSSL's TLS 1.3 suites, kept when `ssl_ciphers` names only TLS 1.2 ones (it governs TLS 1.2 alone, as in nginx). */
const tls13Suites = (): string =>
  process.getBuiltinModule('node:tls').DEFAULT_CIPHERS.split(':').filter((c) => c.startsWith('TLS_')).join(':');

/**
 * One session id context for every certificate and every worker: a session resumes wherever the
 * ticket keys are shared (all workers; other hosts with the same ssl_session_ticket_key files).
 */
const SESSION_ID_CONTEXT = createHash('sha256').update('tsgi-webserver').digest('hex').slice(0, 32);

/**
 * The context options every certificate gets from the config.
 * @example createSecureContext({ ...contextOptions(config.ssl), cert, key })
 */
export function contextOptions(ssl: SslConfig): SecureContextOptions {
  const ciphers = /(^|:)TLS_/.test(ssl.ciphers) ? ssl.ciphers : `${tls13Suites()}:${ssl.ciphers}`;
  return {
    minVersion: ssl.protocols.includes('TLSv1.2') ? 'TLSv1.2' : 'TLSv1.3',
    maxVersion: ssl.protocols.includes('TLSv1.3') ? 'TLSv1.3' : 'TLSv1.2',
    ciphers,
    honorCipherOrder: ssl.preferServerCiphers,
    sessionTimeout: Math.floor(ssl.sessionTimeoutMs / 1000),
    sessionIdContext: SESSION_ID_CONTEXT,
    // Without tickets OpenSSL would fall back to its per-process cache; node disables that one,
    // so no session resumes (nginx: ssl_session_tickets off with no ssl_session_cache).
    ...(ssl.sessionTickets ? {} : { secureOptions: constants.SSL_OP_NO_TICKET }),
  };
}

/**
 * The TLS state of one worker.
 * @example
 * ```ts
 * const tls = await TlsSetup.load(sites, config.ssl, keysFromMaster, log);
 * const server = createSecureServer({ ...tls.serverOptions(group), ... });
 * tls.attach(server, group);
 * tls.setTicketKeys(rotated); // the master rotated them
 * ```
 */
export class TlsSetup {
  readonly #ssl: SslConfig;
  readonly #contexts: ReadonlyMap<SiteRuntime, SecureContext>;
  readonly #pems: ReadonlyMap<SiteRuntime, { cert: Buffer; key: Buffer }>;
  readonly #tickets: TicketKeyRing | undefined;
  readonly #rotation: TicketKeyRotation | undefined;
  /** Staples by certificate (DER, base64): what node's OCSPRequest event hands over. */
  readonly #staples: ReadonlyMap<string, Staple>;

  private constructor(ssl: SslConfig, contexts: Map<SiteRuntime, SecureContext>, pems: Map<SiteRuntime, { cert: Buffer; key: Buffer }>, tickets: TicketKeyRing | undefined, rotation: TicketKeyRotation | undefined, staples: Map<string, Staple>) {
    this.#ssl = ssl;
    this.#contexts = contexts;
    this.#pems = pems;
    this.#tickets = tickets;
    this.#rotation = rotation;
    this.#staples = staples;
  }

  /**
   * Loads every certificate of `sites` once (undefined: none has one), with the ticket keys on
   * each context and a staple for each certificate whose server has `ssl_stapling`. The ticket
   * keys: from `ssl_session_ticket_key` files, else `masterKeys` (the master's, updated through
   * {@link setTicketKeys}), else a rotation of this process's own.
   */
  static async load(sites: readonly SiteRuntime[], ssl: SslConfig, masterKeys: readonly Buffer[] | undefined, log: StaplingLog): Promise<TlsSetup | undefined> {
    if (!sites.some((s) => s.config.tls)) return undefined;
    let tickets: TicketKeyRing | undefined;
    let rotation: TicketKeyRotation | undefined;
    if (ssl.sessionTickets && ssl.ticketKeyFiles.length > 0) {
      tickets = new TicketKeyRing(await Promise.all(ssl.ticketKeyFiles.map((f) => readFile(f))));
    } else if (ssl.sessionTickets && masterKeys) {
      tickets = new TicketKeyRing(masterKeys);
    } else if (ssl.sessionTickets) {
      rotation = new TicketKeyRotation(ssl.sessionTimeoutMs, (keys) => tickets!.set(keys));
      tickets = new TicketKeyRing(rotation.keys);
    }
    const contexts = new Map<SiteRuntime, SecureContext>();
    const pems = new Map<SiteRuntime, { cert: Buffer; key: Buffer }>();
    const staples = new Map<string, Staple>();
    const byFiles = new Map<string, { ctx: SecureContext; pem: { cert: Buffer; key: Buffer } }>();
    const common = contextOptions(ssl);
    for (const site of sites) {
      const tls = site.config.tls;
      if (!tls) continue;
      const id = `${tls.certFile}\0${tls.keyFile}`;
      let entry = byFiles.get(id);
      if (!entry) {
        const [cert, key] = await Promise.all([readFile(tls.certFile), readFile(tls.keyFile)]);
        let ctx: SecureContext;
        try {
          ctx = process.getBuiltinModule('node:tls').createSecureContext({ ...common, cert, key });
        } catch (e) {
          throw new Error(`cannot load the certificate ${tls.certFile} with key ${tls.keyFile}: ${(e as Error).message}`);
        }
        tickets?.attach(ctx);
        entry = { ctx, pem: { cert, key } };
        byFiles.set(id, entry);
        await addStaple(staples, tls, cert, log);
      }
      contexts.set(site, entry.ctx);
      pems.set(site, entry.pem);
    }
    return new TlsSetup(ssl, contexts, pems, tickets, rotation, staples);
  }

  /** New keys from the master (ignored with key files: those are the operator's to rotate). */
  setTicketKeys(keys: readonly Buffer[]): void {
    if (this.#ssl.ticketKeyFiles.length > 0) return;
    this.#tickets?.set(keys);
  }

  /** The context SNI switches to for a server. */
  contextOf(site: SiteRuntime): SecureContext | undefined {
    return this.#contexts.get(site);
  }

  /**
   * The TLS options of a socket's server: the default server's certificate, the config's
   * protocols and ciphers, and SNI choosing each server's own certificate.
   */
  serverOptions(group: SocketGroup, handshakeTimeoutMs: number): TlsOptions {
    const defaultSite = group.names.defaultServer;
    const pem = this.#pems.get(defaultSite);
    if (!pem) throw new Error(`${group.key}: the default server has no certificate`);
    const SNICallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void): void => {
      const site = group.names.find(servername);
      cb(null, this.#contexts.get(site) ?? this.#contexts.get(defaultSite));
    };
    return { ...contextOptions(this.#ssl), ...pem, SNICallback, handshakeTimeout: handshakeTimeoutMs };
  }

  /** Installs the ticket keys on the server's own context, and answers OCSP status requests. */
  attach(server: TlsServer, group: SocketGroup): void {
    this.#tickets?.attach(server);
    const stapled = group.sites.some((s) => s.config.tls?.stapling);
    if (!stapled || this.#staples.size === 0) return;
    // Node asks for every handshake whose client sends status_request; the answer is in memory.
    server.on('OCSPRequest', (cert: Buffer, _issuer: Buffer | null, cb: (err: Error | null, resp: Buffer | null) => void) => {
      cb(null, this.#staples.get(cert.toString('base64'))?.current() ?? null);
    });
  }

  /** Stops the OCSP refreshes and this process's own key rotation. */
  close(): void {
    this.#rotation?.stop();
    for (const s of this.#staples.values()) s.close();
  }
}

async function addStaple(staples: Map<string, Staple>, tls: ServerTls, certPem: Buffer, log: StaplingLog): Promise<void> {
  if (!tls.stapling) return;
  const made = await createStaple(certPem, tls.stapling, log);
  if ('reason' in made) {
    log('warn', `"ssl_stapling" ignored for ${tls.certFile}: ${made.reason}`);
    return;
  }
  // createStaple found the leaf, so the file has one.
  staples.set(pemCertificates(certPem)[0]!.raw.toString('base64'), made.staple);
}
