/**
 * Path converters (Django's `django.urls.converters`): `<int:year>` matches digits and gives
 * the view a number. `registerConverter()` adds custom ones.
 * @module
 */
import { ImproperlyConfigured } from '../core/exceptions.js';

/**
 * A converter: the regex a URL segment must match, how the matched text becomes a value for
 * the view (`toTs`; throwing means "no match", so the resolver tries the next pattern), and
 * how a value becomes URL text again for `reverse()` (`toUrl`).
 */
export interface Converter<T = unknown> {
  /** Regular expression source, without anchors or capturing groups. */
  readonly regex: string;
  toTs(value: string): T;
  toUrl(value: T): string;
}

const intConverter: Converter<number> = {
  regex: '[0-9]+',
  toTs(value) {
    const n = Number(value);
    // Beyond 2^53 a number is no longer the id the client asked for: no match rather than a wrong row.
    if (!Number.isSafeInteger(n)) throw new RangeError(`${value} is not a safe integer`);
    return n;
  },
  toUrl: (value) => String(value),
};

const strConverter: Converter<string> = { regex: '[^/]+', toTs: (v) => v, toUrl: (v) => String(v) };
const slugConverter: Converter<string> = { regex: '[-a-zA-Z0-9_]+', toTs: (v) => v, toUrl: (v) => String(v) };
const uuidConverter: Converter<string> = {
  regex: '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
  toTs: (v) => v,
  toUrl: (v) => String(v),
};
const pathConverter: Converter<string> = { regex: '.+', toTs: (v) => v, toUrl: (v) => String(v) };

const registry = new Map<string, Converter>([
  ['int', intConverter as Converter],
  ['str', strConverter as Converter],
  ['slug', slugConverter as Converter],
  ['uuid', uuidConverter as Converter],
  ['path', pathConverter as Converter],
]);

/** The types the built-in converters give views (used to type `path()` parameters). */
export interface ConverterTypes {
  int: number;
  str: string;
  slug: string;
  uuid: string;
  path: string;
}

/**
 * Registers a converter for use in `path()` routes (before the routes are defined).
 *
 * @example
 * ```ts
 * registerConverter('yyyy', {
 *   regex: '[0-9]{4}',
 *   toTs: (v) => Number(v),
 *   toUrl: (v: number) => String(v).padStart(4, '0'),
 * });
 * path('archive/<yyyy:year>/', archive);
 * ```
 */
export function registerConverter<T>(name: string, converter: Converter<T>): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new ImproperlyConfigured(`Converter name ${JSON.stringify(name)} must be an identifier`);
  }
  try {
    new RegExp(converter.regex);
  } catch (error) {
    throw new ImproperlyConfigured(`Converter ${name}: invalid regex ${converter.regex}: ${(error as Error).message}`);
  }
  registry.set(name, converter as Converter);
}

/** The converter registered as `name`; ImproperlyConfigured naming the route otherwise. */
export function getConverter(name: string, route: string): Converter {
  const converter = registry.get(name);
  if (!converter) {
    throw new ImproperlyConfigured(
      `URL route '${route}' uses invalid converter '${name}' (known: ${[...registry.keys()].join(', ')}; add one with registerConverter()).`,
    );
  }
  return converter;
}
