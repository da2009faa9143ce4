// Forms: binding, errors, typed cleanedData, clean(), Standard Schema (valibot), and rendering
// that escapes every submitted value and error, through the framework's template engine too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as v from 'valibot';
import { defineForm, bindForm, uploadLimitsOf, limitUploads, prettyName, NON_FIELD_ERRORS, type CleanedData } from './form.js';
import { BooleanField, CharField, ChoiceField, DateField, EmailField, FileField, IntegerField, MultipleChoiceField } from './fields.js';
import { ValidationError } from './validation-error.js';
import { QueryDict } from '../http/multi-value-dict.js';
import { defineSettings } from '../conf/settings.js';
import { getTemplateEngine } from '../template/engine.js';

const signupFields = {
  name: new CharField({ maxLength: 20, helpText: 'As on your <ID>.' }),
  email: new EmailField(),
  age: new IntegerField({ required: false, minValue: 0 }),
  password: new CharField({ widget: 'password' }),
  confirm: new CharField({ widget: 'password' }),
  plan: new ChoiceField({ choices: [['free', 'Free'], ['pro', 'Pro <b>']] }),
};

class SignupForm extends defineForm(signupFields) {
  override clean(data: Partial<CleanedData<typeof signupFields>>) {
    if (data.password !== undefined && data.password !== data.confirm) this.addError('confirm', 'Passwords do not match.');
    if (data.name === 'root') throw new ValidationError('That name is reserved.');
  }
}

const good = { name: 'Ada', email: 'ada@example.com', age: '36', password: 's3cret', confirm: 's3cret', plan: 'pro' };

test('a valid form: cleanedData typed from the field table', async () => {
  const form = new SignupForm({ data: good });
  assert.equal(await form.isValid(), true);
  const data = form.cleanedData;
  // Compile-time checks: these assignments fail `tsc -b` if the derived types drift.
  const age: number | null = data.age;
  const plan: 'free' | 'pro' = data.plan;
  const name: string = data.name;
  assert.deepEqual({ age, plan, name }, { age: 36, plan: 'pro', name: 'Ada' });
  assert.equal(await new SignupForm({ data: { ...good, age: '' } }).isValid(), true, 'an optional field may be empty');
});

test('an invalid form: errors per field and non-field, cleanedData refused', async () => {
  const form = new SignupForm({ data: new QueryDict([['name', 'root'], ['email', 'x'], ['password', 'a'], ['confirm', 'b'], ['plan', 'gold']]) });
  assert.equal(await form.isValid(), false);
  assert.deepEqual(form.errors, {
    email: ['Enter a valid email address.'],
    plan: ['Select a valid choice. gold is not one of the available choices.'],
    confirm: ['Passwords do not match.'],
    [NON_FIELD_ERRORS]: ['That name is reserved.'],
  });
  assert.deepEqual(form.nonFieldErrors(), ['That name is reserved.']);
  assert.ok(form.asDiv().startsWith('<ul class="errorlist nonfield"><li>That name is reserved.</li></ul>\n<div>'), 'non-field errors first');
  assert.throws(() => form.cleanedData, /only there for a valid form/);
  assert.throws(() => new SignupForm({ data: good }).errors, /call `await form.isValid\(\)` first/);
  assert.equal(await new SignupForm().isValid(), false, 'unbound is never valid');
  assert.deepEqual(new SignupForm().errors, {}, 'an unbound form has no errors');
});

test('a bound form re-renders its values and errors, escaped: a forged value cannot inject markup', async () => {
  const attack = '"><script>alert(1)</script>';
  const form = new SignupForm({ data: { ...good, name: attack, email: `${attack}@x`, plan: '<img src=x onerror=alert(1)>', confirm: 'other' } });
  assert.equal(await form.isValid(), false);
  const html = form.asDiv();
  assert.ok(!html.includes('<script>') && !html.includes('<img'), html);
  assert.ok(html.includes('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"'), 'the value is shown again, escaped');
  assert.ok(html.includes('<li>Select a valid choice. &lt;img src=x onerror=alert(1)&gt; is not one of the available choices.</li>'), 'the error echoing the value is escaped');
  assert.ok(html.includes('<ul class="errorlist" id="id_name_error"><li>Ensure this value has at most 20 characters (it has 27).</li></ul>'));
  assert.ok(html.includes('aria-invalid="true"'));
  assert.ok(html.includes('<div class="helptext" id="id_name_helptext">As on your &lt;ID&gt;.</div>'));
  assert.ok(html.includes('<option value="pro">Pro &lt;b&gt;</option>'), 'labels escaped too');
  assert.ok(!/name="password"[^>]*value=/.test(html), 'passwords are never sent back');
  assert.ok(html.includes('<label for="id_email">Email:</label>'));
});

test('templates: eta renders the form raw (it is escaped HTML) and a value cannot break out', async () => {
  const engine = getTemplateEngine(defineSettings({ SECRET_KEY: 'x'.repeat(50) }));
  const form = new SignupForm({ data: { ...good, name: '</textarea><script>x()</script>' } });
  await form.isValid();
  const page = await engine.renderString('<form method="post"><%~ it.form.asP() %><%= it.form.field("name").value %></form>', { form });
  assert.ok(!page.includes('<script>'), page);
  const field = form.field('name');
  const pieces = await engine.renderString('<%~ it.f.labelTag() %>|<%~ it.f.errorList() %>|<%~ it.f.widget() %>', { f: field });
  assert.ok(pieces.startsWith('<label for="id_name">Name:</label>|<ul class="errorlist"'), pieces);
  assert.ok(pieces.includes('value="&lt;/textarea&gt;&lt;script&gt;x()&lt;/script&gt;"'));
});

test('an unbound form shows initial values; prefix and autoId; labels from names', () => {
  const Form = defineForm({
    firstName: new CharField({ initial: 'Ada', widget: 'textarea' }),
    subscribe: new BooleanField({ required: false, initial: true }),
    toppings: new MultipleChoiceField({ choices: [['ham', 'Ham'], ['egg', 'Egg']], required: false }),
    born: new DateField({ required: false }),
  });
  const html = new Form({ prefix: 'p', initial: { toppings: ['egg'], born: new Date(Date.UTC(1815, 11, 10)) } }).asDiv();
  assert.ok(html.includes('<label for="id_p-firstName">First name:</label>'), html);
  assert.ok(html.includes('<textarea name="p-firstName" cols="40" rows="10" required id="id_p-firstName">\nAda</textarea>'), html);
  assert.ok(html.includes('<input type="checkbox" name="p-subscribe" checked id="id_p-subscribe">'), html);
  assert.ok(html.includes('<option value="egg" selected>Egg</option>'));
  assert.ok(html.includes('value="1815-12-10"'));
  assert.ok(!new Form({ autoId: false }).asDiv().includes(' id='));
  assert.equal(prettyName('first_name'), 'First name');
});

test('Standard Schema (valibot): on a field, and on the whole form', async () => {
  const Form = defineForm(
    {
      username: new CharField({ schema: v.pipe(v.string(), v.regex(/^[a-z]+$/, 'Lower-case letters only.'), v.toUpperCase()) }),
      start: new IntegerField(),
      end: new IntegerField(),
    },
    {
      schema: v.pipe(
        v.object({ username: v.string(), start: v.number(), end: v.number() }),
        v.forward(v.check((d) => d.end > d.start, 'The end must be after the start.'), ['end']),
        v.check((d) => d.username !== 'ADMIN', 'Pick another name.'),
      ),
    },
  );
  const valid = new Form({ data: { username: 'ada', start: '1', end: '2' } });
  assert.equal(await valid.isValid(), true);
  assert.equal(valid.cleanedData.username, 'ADA', "the schema's output is the cleaned value");
  const badField = new Form({ data: { username: 'Ada1', start: '1', end: '2' } });
  assert.equal(await badField.isValid(), false);
  assert.deepEqual(badField.errors, { username: ['Lower-case letters only.'] });
  const badForm = new Form({ data: { username: 'admin', start: '3', end: '2' } });
  assert.equal(await badForm.isValid(), false);
  assert.deepEqual(badForm.errors, { end: ['The end must be after the start.'], [NON_FIELD_ERRORS]: ['Pick another name.'] }, 'issues with a path go to their field, the others are non-field');
  const reserved = new Form({ data: { username: 'admin', start: '1', end: '2' } });
  assert.equal(await reserved.isValid(), false);
  assert.deepEqual(reserved.errors, { [NON_FIELD_ERRORS]: ['Pick another name.'] });
});

test('validators (returning or throwing a message) and an async Standard Schema', async () => {
  const taken = new Set(['ada']);
  const Form = defineForm({
    handle: new CharField({
      validators: [(value) => (value.startsWith('_') ? 'No leading underscore.' : undefined), (value) => { if (value.endsWith('_')) throw new ValidationError('No trailing underscore.'); }],
      schema: v.pipeAsync(v.string(), v.checkAsync(async (value) => !taken.has(value), 'That handle is taken.')),
    }),
  });
  const both = new Form({ data: { handle: '_x_' } });
  assert.equal(await both.isValid(), false);
  assert.deepEqual(both.errors, { handle: ['No leading underscore.', 'No trailing underscore.'] });
  const takenForm = new Form({ data: { handle: 'ada' } });
  assert.equal(await takenForm.isValid(), false);
  assert.deepEqual(takenForm.errors, { handle: ['That handle is taken.'] });
  assert.equal(await new Form({ data: { handle: 'grace' } }).isValid(), true);
});

test('file limits of a form, for the view that streams the body', () => {
  const Upload = defineForm({ title: new CharField(), doc: new FileField({ maxSize: 5, contentTypes: ['application/pdf'] }), other: new FileField({ required: false }) });
  assert.deepEqual(uploadLimitsOf(Upload), { doc: { maxSize: 5, contentTypes: ['application/pdf'] } });
  assert.deepEqual(uploadLimitsOf(Upload, 'x'), { 'x-doc': { maxSize: 5, contentTypes: ['application/pdf'] } });
  assert.equal(new Upload().isMultipart, true);
  assert.equal(new SignupForm().isMultipart, false);
  const view = limitUploads(Upload, () => new Response('ok'));
  assert.deepEqual(view.uploadLimits, { doc: { maxSize: 5, contentTypes: ['application/pdf'] } });
  assert.equal(typeof bindForm, 'function');
});
