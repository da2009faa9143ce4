// Field units: conversion, Django's default messages, optional values, widgets' attributes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BooleanField, CharField, ChoiceField, DateField, DecimalField, EmailField, FileField, IntegerField, MultipleChoiceField, fileSizeFormat } from './fields.js';
import { ValidationError } from './validation-error.js';
import { UploadedFile } from '../http/multipart.js';
import type { RawValue } from './field.js';

/** The messages a field gives for `raw` (fails when it cleans). */
async function messages(field: { clean(raw: RawValue): Promise<unknown> }, raw: RawValue): Promise<readonly string[]> {
  try {
    const value = await field.clean(raw);
    assert.fail(`expected a ValidationError, cleaned to ${JSON.stringify(value)}`);
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return error.messages;
  }
}

test('CharField: required, strip, lengths in code points, null characters, optional is ""', async () => {
  const f = new CharField({ minLength: 2, maxLength: 3 });
  assert.deepEqual(await messages(f, undefined), ['This field is required.']);
  assert.deepEqual(await messages(f, '   '), ['This field is required.'], 'stripped to empty');
  assert.equal(await f.clean('  ab '), 'ab');
  assert.equal(await f.clean('😀😀😀'), '😀😀😀', 'three code points');
  assert.deepEqual(await messages(f, 'abcd'), ['Ensure this value has at most 3 characters (it has 4).']);
  assert.deepEqual(await messages(f, 'a'), ['Ensure this value has at least 2 characters (it has 1).']);
  assert.deepEqual(await messages(new CharField({ maxLength: 1 }), 'ab'), ['Ensure this value has at most 1 character (it has 2).']);
  assert.deepEqual(await messages(f, 'a\0b'), ['Null characters are not allowed.']);
  assert.equal(await new CharField({ required: false }).clean(undefined), '');
  assert.equal(await new CharField({ strip: false }).clean(' x '), ' x ');
  assert.deepEqual(await messages(new CharField({ errorMessages: { required: 'Name, please.' } }), ''), ['Name, please.']);
  assert.equal(await f.clean(['zz', 'ab']), 'ab', 'the last of repeated values, as Django');
});

test('EmailField: valid and invalid addresses, IDN domains', async () => {
  const f = new EmailField();
  for (const ok of ['a@example.com', 'first.last+tag@sub.example.co.uk', 'x@bücher.de']) assert.equal(await f.clean(ok), ok);
  for (const bad of ['nope', '@example.com', 'a@', 'a@b', 'a..b@example.com', 'a@exa mple.com', 'a@-x.com', '<script>@x.com']) {
    assert.deepEqual(await messages(f, bad), ['Enter a valid email address.'], bad);
  }
  assert.equal(f.widgetAttrs().maxlength, 320);
});

test('IntegerField: whole numbers, ranges, optional is null', async () => {
  const f = new IntegerField({ minValue: 0, maxValue: 10 });
  assert.equal(await f.clean(' 7 '), 7);
  assert.equal(await f.clean('+3'), 3);
  assert.equal(await f.clean('5.00'), 5, 'Django accepts a float without a fraction');
  for (const bad of ['1.5', 'x', '1e3', '0x10', '99999999999999999999']) assert.deepEqual(await messages(f, bad), ['Enter a whole number.'], bad);
  assert.deepEqual(await messages(f, '11'), ['Ensure this value is less than or equal to 10.']);
  assert.deepEqual(await messages(f, '-1'), ['Ensure this value is greater than or equal to 0.']);
  const optional = new IntegerField({ required: false });
  const empty: number | null = await optional.clean('');
  assert.equal(empty, null);
});

test('DecimalField: canonical string, digits and places as Django counts them', async () => {
  const f = new DecimalField({ maxDigits: 5, decimalPlaces: 2, minValue: 0 });
  assert.equal(await f.clean('0012.50'), '12.50');
  assert.equal(await f.clean('.5'), '0.5');
  assert.deepEqual(await messages(f, 'abc'), ['Enter a number.']);
  assert.deepEqual(await messages(f, '.'), ['Enter a number.']);
  assert.deepEqual(await messages(f, '1.234'), ['Ensure that there are no more than 2 decimal places.']);
  assert.deepEqual(await messages(f, '1234.5'), ['Ensure that there are no more than 3 digits before the decimal point.']);
  assert.deepEqual(await messages(f, '123456'), ['Ensure that there are no more than 5 digits in total.']);
  assert.deepEqual(await messages(f, '-1'), ['Ensure this value is greater than or equal to 0.']);
  assert.equal(f.widgetAttrs().step, '0.01');
});

test('ChoiceField and MultipleChoiceField: only the offered values', async () => {
  const size = new ChoiceField({ choices: [['s', 'Small'], ['m', 'Medium']] });
  const picked: 's' | 'm' = await size.clean('m');
  assert.equal(picked, 'm');
  assert.deepEqual(await messages(size, 'xl'), ['Select a valid choice. xl is not one of the available choices.']);
  assert.deepEqual(await messages(size, ''), ['This field is required.']);
  assert.equal(await new ChoiceField({ choices: [['a', 'A']], required: false }).clean(''), null);
  const toppings = new MultipleChoiceField({ choices: [['ham', 'Ham'], ['egg', 'Egg']] });
  assert.deepEqual(await toppings.clean(['ham', 'egg']), ['ham', 'egg']);
  assert.deepEqual(await messages(toppings, ['ham', 'spam']), ['Select a valid choice. spam is not one of the available choices.']);
  assert.deepEqual(await messages(toppings, []), ['This field is required.']);
  assert.deepEqual(await messages(toppings, 'ham'), ['Enter a list of values.']);
  assert.deepEqual(await new MultipleChoiceField({ choices: [['a', 'A']], required: false }).clean([]), []);
});

test('BooleanField: required means checked; "false" and "0" are false', async () => {
  assert.equal(await new BooleanField().clean('on'), true);
  assert.deepEqual(await messages(new BooleanField(), undefined), ['This field is required.']);
  const optional = new BooleanField({ required: false });
  for (const raw of [undefined, '', 'false', 'False', '0']) assert.equal(await optional.clean(raw), false, String(raw));
});

test('DateField: ISO and US formats, real dates only', async () => {
  const f = new DateField();
  assert.equal((await f.clean('2024-02-29')).toISOString(), '2024-02-29T00:00:00.000Z');
  assert.equal((await f.clean('12/31/2023')).toISOString().slice(0, 10), '2023-12-31');
  assert.equal((await f.clean('1/2/69')).toISOString().slice(0, 10), '1969-01-02');
  assert.equal((await f.clean('1/2/68')).toISOString().slice(0, 10), '2068-01-02');
  for (const bad of ['2023-02-29', '2023-13-01', '31/12/2023', 'yesterday', '0001-00-01']) assert.deepEqual(await messages(f, bad), ['Enter a valid date.'], bad);
  assert.equal(f.format(new Date(Date.UTC(2020, 0, 5))), '2020-01-05');
});

test('FileField: missing, empty, wrong encoding, size and type (also without streaming limits)', async () => {
  const file = (size: number, contentType = 'image/png', name = 'a.png') =>
    new UploadedFile({ fieldName: 'f', name, contentType, size, path: null, data: new Uint8Array(size) });
  const f = new FileField({ maxSize: 10, contentTypes: ['image/*'] });
  assert.equal((await f.clean(file(10))).size, 10);
  assert.deepEqual(await messages(f, undefined), ['This field is required.']);
  assert.deepEqual(await messages(f, file(0)), ['The submitted file is empty.']);
  assert.deepEqual(await messages(f, 'a.png'), ['No file was submitted. Check the encoding type on the form.']);
  assert.deepEqual(await messages(f, file(11)), ['Ensure this file is at most 10 bytes (it is larger).']);
  assert.deepEqual(await messages(f, file(5, 'text/html')), ['File type “text/html” is not allowed. Allowed types are: image/*.']);
  assert.deepEqual(await messages(f, { fieldName: 'f', name: 'big.png', contentType: 'image/png', reason: 'size', limit: { maxSize: 10, contentTypes: null } }), ['Ensure this file is at most 10 bytes (it is larger).']);
  assert.deepEqual(await messages(new FileField({ maxLength: 3 }), file(1, 'image/png', 'long.png')), ['Ensure this filename has at most 3 characters (it has 8).']);
  assert.equal(await new FileField({ required: false }).clean(undefined), null);
  assert.deepEqual(f.uploadLimit, { maxSize: 10, contentTypes: ['image/*'] });
  assert.equal(new FileField().uploadLimit, null);
  assert.equal(fileSizeFormat(5 * 1024 * 1024), '5.0 MB');
});
