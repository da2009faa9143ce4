/**
 * Issue 11, interop row 1: Debian's nginx in front of tsgi-appserver -w 2 serving the demo project,
 * upstream over TCP and over a unix socket; nginx serves /static/ from collectstatic and proxies the
 * rest with X-Forwarded-For and X-Forwarded-Proto (interop/support/demo-behind-front.ts says what
 * must show). A missing nginx fails the test naming the package; it does not skip.
 */
import { describeDemoBehind } from './support/demo-behind-front.js';
import { startNginxFront } from './support/nginx-front.js';

describeDemoBehind('nginx', startNginxFront);
