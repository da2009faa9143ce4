/**
 * Public API of this package (filled in by its issue).
 * @module
 */
export {};
