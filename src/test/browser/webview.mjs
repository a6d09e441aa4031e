// The web view in Debian's Chromium, driven by playwright-core: click from the list of
// repositories to a file and to a commit's diff, sign in to see a private repository,
// look at 320 px, and check that hostile content (a file name, a commit message, a README
// carrying script) never runs. Screenshots go to the folder given. Exit 0 when every check
// holds; otherwise the failed checks are printed and the exit status is 1.
//
// node webview.mjs <base URL> <screenshot dir> <public repo> <private repo> <user> <token>
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [base, shots, publicRepo, privateRepo, user, token] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const failures = [];
const check = (ok, what) => { if (!ok) { failures.push(what); } };

const browser = await chromium.launch({
  executablePath: process.env.GITFN_TEST_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const page = await context.newPage();
  const dialogs = [];
  const errors = [];
  page.on('dialog', d => { dialogs.push(d.message()); d.dismiss(); });
  page.on('pageerror', e => errors.push(String(e)));
  const inert = async where => {
    const pwned = await page.evaluate(() => window.pwned);
    check(pwned === undefined, `script from the repository ran on ${where} (window.pwned=${pwned})`);
  };
  const shot = async name => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });

  // The list, then the public repository's page.
  await page.goto(base);
  check(await page.locator('h1').textContent() === 'Repositories', 'the list has its heading');
  check(await page.getByRole('link', { name: privateRepo }).count() === 0, 'the private repository is not listed');
  await shot('1-repositories');
  await page.getByRole('link', { name: publicRepo }).click();
  await page.waitForURL(`**/${publicRepo}`);
  check(await page.locator('article.markdown h1').textContent() === 'Hello', 'the README is rendered');
  await inert('the repository page');
  // The copy button works under the Content-Security-Policy (no inline script anywhere).
  await page.getByRole('button', { name: 'Copy the HTTP clone URL' }).click();
  await page.getByRole('button', { name: 'Copy the HTTP clone URL' }).filter({ hasText: 'Copied' }).waitFor({ timeout: 5000 })
    .catch(() => check(false, 'the copy button did not copy'));
  const copied = await page.evaluate(() => navigator.clipboard.readText()).catch(() => null);
  check(copied === `${base}${publicRepo}.git`, `the clipboard holds the clone URL (${copied})`);
  await shot('2-repository');

  // Into the files: a folder, a file with line numbers.
  await page.getByRole('link', { name: 'Browse files' }).click();
  await page.getByRole('link', { name: 'docs/' }).click();
  await page.getByRole('link', { name: 'guide.md' }).click();
  check((await page.locator('table.code tr').count()) === 2, 'the file shows its two lines');
  check((await page.locator('#L2 .src').textContent()).includes('line <two> & "three"'), 'the file\'s text as text');
  await shot('3-file');

  // Back at the files, the hostile name is a name.
  await page.goBack();
  await page.goBack();
  check(await page.getByRole('link', { name: '<img src=x onerror=alert(1)>.txt' }).count() === 1,
    'the hostile file name is shown as text');
  await inert('the tree');

  // A commit and its diff, from the log.
  await page.goto(`${base}${publicRepo}`);
  await page.getByRole('link', { name: 'Commits' }).click();
  const subject = page.locator('.log .subject').first();
  check((await subject.textContent()).includes('<script>window.pwned=3</script>'), 'the hostile subject is text');
  await page.locator('.log li a').first().click();
  await page.waitForURL('**/-/commit/**');
  check(await page.locator('section.file-diff').count() > 0, 'the commit shows its diff');
  check(await page.locator('table.diff tr.add').count() > 0, 'added lines are marked');
  await inert('the commit');
  await shot('4-commit');

  // Signing in shows the private repository; the cookie is out of script's reach.
  await page.goto(`${base}-/signin`);
  await page.getByLabel('User name', { exact: true }).fill(user);
  await page.getByLabel(/Access token/).fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(base);
  check(await page.getByRole('link', { name: privateRepo }).count() === 1, 'signed in, the private repository is listed');
  check(await page.evaluate(() => document.cookie) === '', 'the session cookie is HttpOnly');
  await page.getByRole('link', { name: privateRepo }).click();
  await page.waitForURL(`**/${privateRepo}`);
  await shot('5-signed-in');

  // Narrow: at 320 px nothing needs a sideways scroll.
  await page.setViewportSize({ width: 320, height: 700 });
  await page.goto(`${base}${publicRepo}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  check(overflow <= 320, `at 320 px the page is ${overflow} px wide`);
  await shot('6-narrow');

  // Sign out: the private repository is gone again.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(base);
  check(await page.getByRole('link', { name: privateRepo }).count() === 0, 'signed out, it is not listed');

  check(dialogs.length === 0, `dialogs opened: ${dialogs}`);
  check(errors.length === 0, `page errors: ${errors}`);
} catch (e) {
  failures.push(`the walk broke off: ${e.stack || e}`);
} finally {
  await browser.close();
}
if (failures.length) {
  console.log(failures.join('\n'));
  process.exit(1);
}
console.log('web view OK in ' + (await import('node:child_process')).execSync(
  `${process.env.GITFN_TEST_CHROMIUM || '/usr/bin/chromium'} --version`).toString().trim());
