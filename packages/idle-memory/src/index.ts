/**
 * tsgi-idle-memory: what every tsgi server's worker does once idle. tsgi-appserver
 * (`--release-memory-after`) and tsgi-webserver (`worker_release_memory_after`) both run
 * {@link IdleMemoryRelease} in each worker, so the heap V8 grew under load goes back to the
 * system the same way in both.
 * @module
 */
export { exposedGc, IdleMemoryRelease, type CollectGarbage, type IdleMemoryEvents } from './idle-memory-release.js';
