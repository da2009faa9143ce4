/** The loopback addresses: the SPEC's default trusted proxies (3.2.1), trusted by the root configuration. */
export const LOOPBACK_TRUST: readonly string[] = ['127.0.0.0/8', '::1'];
