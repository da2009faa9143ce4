/**
 * Standard Schema (https://standardschema.dev): the interface zod, valibot, ArkType and others
 * implement under `~standard`, so a form field (or a whole form) takes the user's schema library
 * without depending on it. The interface is copied from the spec, as the spec asks.
 * @module
 */

/**
 * A Standard Schema validator: `schema['~standard'].validate(value)` gives `{ value }` or
 * `{ issues }`, synchronously or as a promise.
 *
 * @example
 * ```ts
 * import * as v from 'valibot';
 * const schema: StandardSchemaV1<string, string> = v.pipe(v.string(), v.email());
 * ```
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

// eslint-disable-next-line @typescript-eslint/no-namespace -- the spec's own shape (StandardSchemaV1.Issue...)
export declare namespace StandardSchemaV1 {
  /** The `~standard` property. */
  export interface Props<Input = unknown, Output = Input> {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    readonly types?: Types<Input, Output> | undefined;
  }
  /** A validation result. */
  export type Result<Output> = SuccessResult<Output> | FailureResult;
  export interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }
  export interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }
  /** One problem: a message and where (path of keys). */
  export interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  export interface PathSegment {
    readonly key: PropertyKey;
  }
  export interface Types<Input = unknown, Output = Input> {
    readonly input: Input;
    readonly output: Output;
  }
  /** The output type of a schema. */
  export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['output'];
}

/**
 * True when `value` implements Standard Schema v1.
 *
 * @example
 * ```ts
 * isStandardSchema(v.string()); // true (valibot, zod and others)
 * ```
 */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const props = (value as { '~standard'?: { version?: unknown; validate?: unknown } } | null)?.['~standard'];
  return typeof props === 'object' && props !== null && props.version === 1 && typeof props.validate === 'function';
}

/** The first key of an issue's path (the form field it is about), or null. */
export function issueField(issue: StandardSchemaV1.Issue): string | null {
  const first = issue.path?.[0];
  if (first === undefined) return null;
  const key = typeof first === 'object' ? first.key : first;
  return typeof key === 'symbol' ? null : String(key);
}
