// Type tests for path(): route parameters are typed from the route string. `tsc -b` checks the
// expect-error lines (an error that disappears fails the build); the runtime part checks
// the values really have those types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { path, type PathParams } from './conf.js';
import { Resolver } from './resolver.js';
import { HttpResponse } from '../http/response.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(_ok: T) => undefined;

expectType<Equal<PathParams<'articles/<int:year>/<slug:slug>/'>, { year: number; slug: string }>>(true);
expectType<Equal<PathParams<'u/<uuid:id>/<path:rest>'>, { id: string; rest: string }>>(true);
expectType<Equal<PathParams<'plain/<name>/'>, { name: string }>>(true);
expectType<Equal<PathParams<'custom/<yyyy:year>/'>, { year: unknown }>>(true);

test('the view gets typed, converted parameters', () => {
  let seen: unknown[] = [];
  const pattern = path('articles/<int:year>/<slug:slug>/', (request, params) => {
    const year: number = request.params.year;
    const slug: string = params.slug;
    // @ts-expect-error year is a number, not a string
    const wrong: string = request.params.year;
    seen = [year, slug, wrong];
    return new HttpResponse('');
  });
  const match = new Resolver([pattern]).resolve('/articles/2024/hi/', 'GET');
  assert.deepEqual(match.params, { year: 2024, slug: 'hi' });
  void match.view({ params: match.params } as never, match.params);
  assert.deepEqual(seen, [2024, 'hi', 2024]);
});
