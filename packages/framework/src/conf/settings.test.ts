// defineSettings: defaults from the one table, type checks naming the key, absolute paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { defineSettings, SETTING_DEFINITIONS, DEFAULT_MIDDLEWARE, installedApps, HIDDEN_SETTINGS } from './settings.js';
import { cleanse } from '../views/debug.js';
import { ImproperlyConfigured } from '../core/exceptions.js';

test('every setting gets its default; project settings are kept; the result is frozen', () => {
  const s = defineSettings({ DEBUG: true, MY_FEATURE_FLAG: 'on' });
  for (const def of SETTING_DEFINITIONS) assert.ok(def.name in s, `${def.name} missing`);
  assert.equal(s.DEBUG, true);
  assert.equal(s.APPEND_SLASH, true);
  assert.equal(s.DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 * 1024 * 1024);
  assert.equal(s.DATA_UPLOAD_MAX_NUMBER_FIELDS, 1000);
  assert.equal(s.X_FRAME_OPTIONS, 'DENY');
  assert.deepEqual(s.MIDDLEWARE, DEFAULT_MIDDLEWARE);
  assert.equal(s.MY_FEATURE_FLAG, 'on');
  assert.ok(Object.isFrozen(s));
  assert.equal(defineSettings(s), s, 'already defined settings pass through');
  // Defaults are fresh values, not shared between projects.
  assert.notEqual(defineSettings({}).ALLOWED_HOSTS, defineSettings({}).ALLOWED_HOSTS);
});

test('a wrong type names the key and what was expected', () => {
  assert.throws(
    () => defineSettings({ DEBUG: 'yes' as never }),
    (e: unknown) => e instanceof ImproperlyConfigured && e.setting === 'DEBUG' && e.message === 'settings.DEBUG must be a boolean, got "yes"',
  );
  assert.throws(() => defineSettings({ ALLOWED_HOSTS: 'example.com' as never }), /settings\.ALLOWED_HOSTS must be an array of strings, got "example\.com"/);
  assert.throws(() => defineSettings({ DATA_UPLOAD_MAX_MEMORY_SIZE: -1 }), /non-negative integer or null/);
  assert.throws(() => defineSettings({ SECURE_PROXY_SSL_HEADER: ['X-Forwarded-Proto'] as never }), /\[header, value\] pair/);
  assert.throws(() => defineSettings({ ROOT_URLCONF: 'mysite.urls' as never }), /urlpatterns array/);
  assert.throws(() => defineSettings({ X_FRAME_OPTIONS: 'ALLOW' as never }), /'DENY' or 'SAMEORIGIN'/);
});

test('relative paths resolve against BASE_DIR; apps get their directories', () => {
  const s = defineSettings({
    BASE_DIR: '/srv/site',
    TEMPLATES: { DIRS: ['templates', '/abs/tpl'] },
    STATIC_ROOT: 'staticfiles',
    STATICFILES_DIRS: ['assets'],
    INSTALLED_APPS: ['polls', { name: 'blog', path: 'apps/blog' }],
  });
  assert.deepEqual(s.TEMPLATES.DIRS, ['/srv/site/templates', '/abs/tpl']);
  assert.equal(s.TEMPLATES.APP_DIRS, true);
  assert.equal(s.STATIC_ROOT, '/srv/site/staticfiles');
  assert.deepEqual(s.STATICFILES_DIRS, ['/srv/site/assets']);
  assert.deepEqual(installedApps(s).map((a) => [a.name, a.path]), [['polls', join('/srv/site', 'polls')], ['blog', '/srv/site/apps/blog']]);
});

test('HIDDEN_SETTINGS matches secrets the debug page masks', () => {
  for (const k of ['SECRET_KEY', 'API_TOKEN', 'DB_PASSWORD', 'STRIPE_SIGNATURE', 'SESSION_COOKIE_NAME', 'api_key']) assert.match(k, HIDDEN_SETTINGS);
  for (const k of ['DEBUG', 'ALLOWED_HOSTS', 'STATIC_URL']) assert.doesNotMatch(k, HIDDEN_SETTINGS);
});

test('the debug page masks a password inside a URL setting (SESSION_REDIS_URL), keeping the rest', () => {
  assert.equal(cleanse('SESSION_REDIS_URL', 'redis://:hunter2@cache.internal:6379/0'), 'redis://:********************@cache.internal:6379/0');
  assert.equal(cleanse('SESSION_REDIS_URL', 'redis://app:hunter2@cache.internal/1'), 'redis://app:********************@cache.internal/1');
  assert.equal(cleanse('SESSION_REDIS_URL', 'redis://127.0.0.1:6379/0'), 'redis://127.0.0.1:6379/0');
});
