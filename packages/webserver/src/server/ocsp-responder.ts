/**
 * The OCSP responder side of stapling (ocsp-stapling.ts): asks one certificate's responder,
 * checks its answer and keeps it fresh. Its own module because the ASN.1 libraries it needs are
 * ~18 MB of RSS, loaded only when a certificate is stapled from a responder.
 * @module
 */
import { createHash, verify as verifySignature, X509Certificate } from 'node:crypto';
import { BasicOCSPResponse, CertID, id_pkix_ocsp_basic, OCSPRequest, OCSPResponse, OCSPResponseStatus, Request, TBSRequest } from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate } from '@peculiar/asn1-x509';
import type { Staple, StaplingLog } from './ocsp-stapling.js';

/** How long a responder may take to answer; then this round gets no staple and is tried again later. */
export const RESPONDER_TIMEOUT_MS = 10_000;
/** The largest answer read from a responder (real ones are 1-4 KiB). */
const MAX_RESPONSE_BYTES = 64 * 1024;
const MINUTE = 60_000;
/** nginx's refresh schedule: at least hourly, and 5 minutes before nextUpdate; 5 minutes after an error. */
const REFRESH_MAX_MS = 60 * MINUTE;
const REFRESH_BEFORE_EXPIRY_MS = 5 * MINUTE;
const RETRY_MS = 5 * MINUTE;
const FIRST_RETRY_MS = 5_000;
/** Clocks differ: a response dated up to this far in the future is still taken. */
const CLOCK_SKEW_MS = 5 * MINUTE;

const SHA1 = '1.3.14.3.2.26';
const OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';
/** Signature algorithm OIDs to the hash node's verify takes (null: the key type implies it). */
const SIGNATURE_HASHES: Record<string, string | null> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null,
};

/**
 * Keeps a fresh answer of one responder for one certificate.
 * @example
 * ```ts
 * const stapler = new ResponderStapler(leaf, issuer, 'http://ocsp.example.net', true, log);
 * stapler.start();      // asks now, then before each answer runs out
 * stapler.current();    // the DER answer to staple, or undefined (never waits)
 * stapler.close();
 * ```
 */
export class ResponderStapler implements Staple {
  readonly url: string;
  readonly #issuer: X509Certificate;
  readonly #certId: CertID;
  readonly #verify: boolean;
  readonly #log: StaplingLog;
  #response: { der: Buffer; nextUpdate: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #failures = 0;

  constructor(leaf: X509Certificate, issuer: X509Certificate, url: string, verify: boolean, log: StaplingLog) {
    this.url = url;
    this.#issuer = issuer;
    this.#certId = certIdOf(leaf, issuer);
    this.#verify = verify;
    this.#log = log;
  }

  /** The cached answer while it is valid; never waits. */
  current(): Buffer | undefined {
    const r = this.#response;
    return r && Date.now() < r.nextUpdate ? r.der : undefined;
  }

  /** Asks now, then on the refresh schedule. */
  start(): void {
    void this.refresh();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  /** One round: ask the responder, keep a good answer, schedule the next round. */
  async refresh(): Promise<void> {
    // After a failure: 5 s, doubling up to nginx's 5 minutes, so a responder that was down at
    // start is asked again soon without being hammered.
    let next = Math.min(RETRY_MS, FIRST_RETRY_MS * 2 ** this.#failures++);
    try {
      const der = await this.#ask();
      const nextUpdate = this.#check(der);
      this.#response = { der, nextUpdate };
      this.#failures = 0;
      const now = Date.now();
      next = Math.max(Math.min(nextUpdate - REFRESH_BEFORE_EXPIRY_MS - now, REFRESH_MAX_MS), Math.min(RETRY_MS, nextUpdate - now));
      this.#log('info', `OCSP response from ${this.url} cached until ${new Date(nextUpdate).toISOString()}`);
    } catch (err) {
      // fetch's own message is "fetch failed"; the reason is its cause (ECONNREFUSED, a timeout...).
      const cause = (err as Error).cause instanceof Error ? `: ${((err as Error).cause as Error).message}` : '';
      this.#log('warn', `OCSP responder ${this.url}: ${(err as Error).message}${cause}; ${this.current() ? 'still stapling the cached answer' : 'no staple until it answers'}`);
    }
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh(), Math.max(1000, next));
    this.#timer.unref();
  }

  async #ask(): Promise<Buffer> {
    const request = new OCSPRequest({ tbsRequest: new TBSRequest({ requestList: [new Request({ reqCert: this.#certId })] }) });
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' },
      body: Buffer.from(AsnConvert.serialize(request)),
      signal: AbortSignal.timeout(RESPONDER_TIMEOUT_MS),
    });
    if (res.status !== 200) throw new Error(`answered HTTP ${res.status}`);
    const length = Number(res.headers.get('content-length') ?? 0);
    if (length > MAX_RESPONSE_BYTES) throw new Error(`answered ${length} bytes, more than ${MAX_RESPONSE_BYTES}`);
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > MAX_RESPONSE_BYTES) throw new Error(`answered ${body.length} bytes, more than ${MAX_RESPONSE_BYTES}`);
    return body;
  }

  /** Checks an answer (RFC 6960 3.2) and returns until when it may be stapled. */
  #check(der: Buffer): number {
    const response = AsnConvert.parse(der, OCSPResponse);
    if (response.responseStatus !== OCSPResponseStatus.successful) throw new Error(`responseStatus ${OCSPResponseStatus[response.responseStatus] ?? response.responseStatus}`);
    const bytes = response.responseBytes;
    if (!bytes || bytes.responseType !== id_pkix_ocsp_basic) throw new Error('not a basic OCSP response');
    const basic = AsnConvert.parse(bytes.response, BasicOCSPResponse);
    const single = basic.tbsResponseData.responses.find((r) => sameCert(r.certID, this.#certId));
    if (!single) throw new Error('the response is not about this certificate');
    if (single.certStatus.revoked !== undefined) throw new Error(`the certificate is REVOKED (since ${single.certStatus.revoked.revocationTime.toISOString()})`);
    if (single.certStatus.good === undefined) throw new Error('the responder does not know the certificate (status unknown)');
    const now = Date.now();
    if (single.thisUpdate.getTime() > now + CLOCK_SKEW_MS) throw new Error(`thisUpdate ${single.thisUpdate.toISOString()} is in the future`);
    // No nextUpdate: newer information is always available (RFC 6960 4.2.2.1); keep it for the refresh period.
    const nextUpdate = single.nextUpdate?.getTime() ?? now + REFRESH_MAX_MS;
    if (nextUpdate <= now) throw new Error(`expired at ${new Date(nextUpdate).toISOString()}`);
    if (this.#verify) this.#checkSignature(basic);
    return nextUpdate;
  }

  /** RFC 6960 4.2.2.2: signed by the issuer itself, or by a certificate it issued for OCSP signing. */
  #checkSignature(basic: BasicOCSPResponse): void {
    const hash = SIGNATURE_HASHES[basic.signatureAlgorithm.algorithm];
    if (hash === undefined) throw new Error(`unsupported signature algorithm ${basic.signatureAlgorithm.algorithm}`);
    const tbs = Buffer.from(basic.tbsResponseDataRaw ?? AsnConvert.serialize(basic.tbsResponseData));
    const signature = Buffer.from(basic.signature);
    const delegates = (basic.certs ?? [])
      .map((c) => new X509Certificate(Buffer.from(AsnConvert.serialize(c))))
      .filter((c) => c.checkIssued(this.#issuer) && c.verify(this.#issuer.publicKey) && (c.keyUsage ?? []).includes(OCSP_SIGNING));
    for (const signer of [this.#issuer, ...delegates]) {
      if (verifySignature(hash, tbs, signer.publicKey, signature)) return;
    }
    throw new Error('the signature does not verify against the issuer or an OCSP signer it certified');
  }
}

/** RFC 6960 4.1.1: the certificate named by SHA-1 hashes of its issuer's name and key, and its serial. */
function certIdOf(leaf: X509Certificate, issuer: X509Certificate): CertID {
  const leafAsn = AsnConvert.parse(leaf.raw, Certificate);
  const issuerAsn = AsnConvert.parse(issuer.raw, Certificate);
  const sha1 = (data: ArrayBuffer | Buffer) => createHash('sha1').update(Buffer.from(data as ArrayBuffer)).digest();
  return new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: SHA1, parameters: null }),
    issuerNameHash: new OctetString(sha1(AsnConvert.serialize(issuerAsn.tbsCertificate.subject))),
    issuerKeyHash: new OctetString(sha1(issuerAsn.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)),
    serialNumber: leafAsn.tbsCertificate.serialNumber,
  });
}

function sameCert(a: CertID, b: CertID): boolean {
  const bytes = (x: ArrayBuffer | ArrayBufferView) => (ArrayBuffer.isView(x) ? Buffer.from(x.buffer, x.byteOffset, x.byteLength) : Buffer.from(x));
  const eq = (x: ArrayBuffer | ArrayBufferView, y: ArrayBuffer | ArrayBufferView) => bytes(x).equals(bytes(y));
  if (!eq(a.serialNumber, b.serialNumber)) return false;
  // A responder that names the certificate with another hash is matched by the serial alone.
  return a.hashAlgorithm.algorithm !== SHA1 || (eq(a.issuerNameHash, b.issuerNameHash) && eq(a.issuerKeyHash, b.issuerKeyHash));
}
