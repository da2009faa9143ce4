/**
 * Views of mysite: functions from a request to a response.
 */
import type { HttpRequest } from 'tsgi-framework';
import { render } from 'tsgi-framework';

/** The welcome page. */
export function home(request: HttpRequest) {
  return render(request, 'home.html', { project: 'mysite', debug: request.settings.DEBUG });
}
