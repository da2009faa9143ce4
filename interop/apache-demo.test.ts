/**
 * Issue 11, interop row 2: Debian's Apache httpd (mod_proxy_http) in front of tsgi-appserver -w 2
 * serving the demo project, upstream over TCP and over a unix socket; Apache serves /static/ from
 * collectstatic (Alias), adds X-Forwarded-For itself and sets X-Forwarded-Proto with mod_headers
 * (interop/support/demo-behind-front.ts says what must show). A missing apache2 fails the test
 * naming the package; it does not skip.
 */
import { describeDemoBehind } from './support/demo-behind-front.js';
import { startApacheFront } from './support/apache-front.js';

describeDemoBehind('Apache httpd', startApacheFront);
