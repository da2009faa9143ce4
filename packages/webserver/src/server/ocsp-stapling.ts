/**
 * OCSP stapling (RFC 6066 8, RFC 6960): the server asks its certificate's OCSP responder whether
 * the certificate is good and hands the signed answer to clients in the handshake, so they need
 * not ask the responder themselves (slow, and it tells the CA who visits whom).
 *
 * As nginx does: the responder is the one the certificate names (Authority Information Access);
 * its answer is cached until `nextUpdate` and refreshed ahead of it (an hour at most, five minutes
 * before it runs out at the latest; after a failure 5 s, doubling up to five minutes); only a `good` answer for this
 * certificate is stapled; with `ssl_stapling_verify` only one signed by the issuer or by an OCSP
 * signer the issuer certified. A handshake never waits for the responder: until an answer is
 * cached, or when the cached one has run out, the client gets no staple.
 * @module
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { StaplingConfig } from '../config/types.js';

/** Where a stapler reports what the responder did. */
export type StaplingLog = (level: 'info' | 'warn' | 'error', message: string) => void;

/** The staple of one certificate, or nothing when there is no valid one. */
export interface Staple {
  current(): Buffer | undefined;
  close(): void;
}

/**
 * Sets up stapling for one certificate: a fixed response from `ssl_stapling_file`, or a
 * ResponderStapler (ocsp-responder.ts) asking the certificate's responder. Returns a reason instead when the
 * certificate cannot be stapled (no responder URL, issuer not found), as nginx warns and goes on.
 * @example
 * ```ts
 * const s = await createStaple(certPem, { verify: false }, log);
 * if ('staple' in s) server.on('OCSPRequest', (_c, _i, cb) => cb(null, s.staple.current() ?? null));
 * ```
 */
export async function createStaple(certPem: Buffer, config: StaplingConfig, log: StaplingLog): Promise<{ staple: Staple } | { reason: string }> {
  if (config.file !== undefined) {
    const der = await readFile(config.file);
    return { staple: { current: () => der, close: () => undefined } };
  }
  const target = staplingTarget(certPem, config.trustedFile === undefined ? undefined : await readFile(config.trustedFile));
  if ('reason' in target) return target;
  // The ASN.1 modules the responder's requests and answers need (@peculiar/asn1-*) are ~18 MB
  // of RSS (Node 20, 2026-12-06): imported only by a server that staples from a responder, not
  // by every tsgi-webserver process that loads its config.
  const { ResponderStapler } = await import('./ocsp-responder.js');
  const stapler = new ResponderStapler(target.leaf, target.issuer, target.url, config.verify, log);
  stapler.start();
  return { staple: stapler };
}

/**
 * What the responder is asked about: the leaf of `certPem`, its issuer (from the chain or the
 * trusted PEM) and the responder's URL; or why stapling cannot work (nginx's "ssl_stapling
 * ignored" warnings, which `tsgi-webserver -t` prints too).
 * @example staplingTarget(await readFile('site.pem')) // { leaf, issuer, url } or { reason }
 */
export function staplingTarget(certPem: Buffer, trustedPem?: Buffer): { leaf: X509Certificate; issuer: X509Certificate; url: string } | { reason: string } {
  const chain = pemCertificates(certPem);
  const leaf = chain[0];
  if (!leaf) return { reason: 'no certificate in the file' };
  const trusted = trustedPem === undefined ? [] : pemCertificates(trustedPem);
  const issuer = [...chain.slice(1), ...trusted].find((c) => leaf.checkIssued(c) && leaf.verify(c.publicKey));
  if (!issuer) return { reason: `the issuer of "${leaf.subject.replace(/\n/g, ', ')}" is neither in ssl_certificate nor in ssl_trusted_certificate` };
  const url = responderUrl(leaf);
  if (!url) return { reason: `"${leaf.subject.replace(/\n/g, ', ')}" names no OCSP responder (Authority Information Access)` };
  return { leaf, issuer, url };
}

/**
 * The certificates of a PEM file, in order.
 * @example pemCertificates(await readFile('chain.pem'))[0]?.subject // 'CN=example.com'
 */
export function pemCertificates(pem: Buffer): X509Certificate[] {
  return [...pem.toString('latin1').matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => new X509Certificate(m[0]));
}

/**
 * The first http(s) OCSP URL of the Authority Information Access extension.
 * @example responderUrl(leaf) // 'http://r3.o.lencr.org'
 */
export function responderUrl(cert: X509Certificate): string | undefined {
  for (const line of (cert.infoAccess ?? '').split('\n')) {
    const m = /^OCSP - URI:(https?:\/\/\S+)$/.exec(line.trim());
    if (m) return m[1];
  }
  return undefined;
}
