// SPDX-License-Identifier: GPL-2.0
//
// Render the workshop's slides in headless Chromium and check that the deck
// loads without errors, and every slide: it is shown, it has content, its
// images loaded, nothing on it is left unresolved (an @include or a diagram
// reference), and nothing overflows it. Prints KTAP, one test for the deck
// and one per slide, and saves a screenshot of each slide.
//
// Usage: node tests/slides/render.cjs HTML NPM-DIR SCREENSHOT-DIR
//   HTML            the deck, build/slides/workshop.html
//   NPM-DIR         where scripts/build-slides installed its npm packages
//   SCREENSHOT-DIR  where slide-NN.png go
// CHROMIUM (default /usr/bin/chromium) names the browser.

'use strict';

const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

// A line of the suite's document, nested in the top-level one.
function emit(line) {
	console.log(`    ${line}`);
}

async function main() {
	const [html, npmDir, shots] = process.argv.slice(2);
	if (!html || !npmDir || !shots) {
		console.error('usage: node render.cjs HTML NPM-DIR SCREENSHOT-DIR');
		return 2;
	}
	const puppeteer = createRequire(path.join(path.resolve(npmDir), 'package.json'))('puppeteer-core');
	fs.mkdirSync(shots, { recursive: true });
	const browser = await puppeteer.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
			'--disable-background-networking', '--no-first-run'],
	});
	let failed = 0;
	try {
		const page = await browser.newPage();
		await page.setViewport({ width: 1280, height: 720 });
		const problems = [];
		page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
		page.on('requestfailed', (req) => problems.push(`could not load ${req.url().slice(0, 80)}`));
		const url = 'file://' + path.resolve(html);
		await page.goto(url, { waitUntil: 'load' });
		const count = await page.evaluate(() => document.querySelectorAll('svg[data-marpit-svg] > foreignObject > section').length);
		// One KTAP document of one suite, "slides", whose cases are the deck and its slides.
		console.log('KTAP version 1');
		console.log('1..1');
		emit('KTAP version 1');
		emit('# Subtest: slides');
		emit(`1..${count + 1}`);
		// Test 1: the deck as a whole loads: scripts run, every file it refers to is there.
		if (count === 0) problems.push('the deck has no slides');
		for (const why of problems) emit(`# ${why}`);
		emit(`${problems.length ? 'not ok' : 'ok'} 1 deck_loads_without_errors`);
		failed += problems.length ? 1 : 0;
		problems.length = 0;
		for (let i = 1; i <= count; i++) {
			await page.goto(`${url}#${i}`, { waitUntil: 'load' });
			await page.waitForFunction(
				(n) => document.querySelectorAll('svg[data-marpit-svg]')[n - 1].classList.contains('bespoke-marp-active'),
				{ timeout: 5000 }, i);
			const result = await page.evaluate((n) => {
				const section = document.querySelectorAll('svg[data-marpit-svg] > foreignObject > section')[n - 1];
				const found = [];
				const heading = section.querySelector('h1, h2');
				const title = heading ? heading.textContent : '';
				const box = section.getBoundingClientRect();
				if (box.width < 100 || box.height < 100) found.push(`not shown (${box.width}x${box.height})`);
				const text = section.innerText.trim();
				if (!text && !section.querySelector('img')) found.push('empty');
				for (const img of section.querySelectorAll('img')) {
					if (!img.complete || img.naturalWidth === 0) found.push(`image did not load: ${img.alt || img.src.slice(0, 60)}`);
				}
				if (/@include\b/.test(text)) found.push('an @include was not resolved');
				if (/!\[[^\]]*\]\(/.test(text)) found.push('an image reference was not resolved');
				// Content past the slide's bottom or right edge is cut off in the talk.
				if (section.scrollHeight > section.clientHeight + 2) found.push(`content overflows the slide by ${section.scrollHeight - section.clientHeight} px`);
				for (const pre of section.querySelectorAll('pre')) {
					if (pre.scrollWidth > pre.clientWidth + 2) found.push(`a code line is too wide by ${pre.scrollWidth - pre.clientWidth} px`);
				}
				return { title, found };
			}, i);
			const name = `slide_${String(i).padStart(2, '0')}_` +
				(result.title.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'untitled');
			await page.screenshot({ path: path.join(shots, `slide-${String(i).padStart(2, '0')}.png`) });
			const all = result.found.concat(problems.splice(0));
			if (all.length) {
				failed++;
				for (const why of all) emit(`# ${why}`);
				emit(`not ok ${i + 1} ${name}`);
			} else {
				emit(`ok ${i + 1} ${name}`);
			}
		}
		console.log(`${failed ? 'not ok' : 'ok'} 1 slides`);
	} finally {
		await browser.close();
	}
	return failed ? 1 : 0;
}

main().then((code) => process.exit(code), (err) => {
	console.error(`render.cjs: ${err.stack || err}`);
	process.exit(1);
});
