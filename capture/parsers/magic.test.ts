import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basicMagic } from './magic.js';

const m = (s: string | number[], pad = 0) => {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : Buffer.from(s);
  const full = Buffer.concat([Buffer.from('xx'), b, Buffer.alloc(pad)]);
  return basicMagic(full, 2, full.length - 2); // at an offset, to check offsets are honoured
};

test('basic magic signatures', () => {
  assert.equal(m('<!DOCTYPE html><html>'), 'text/html');
  assert.equal(m('<HTML><body>'), 'text/html');
  assert.equal(m('<?xml version="1.0"?><svg>'), 'image/svg+xml');
  assert.equal(m('<?xml version="1.0"?>'), 'text/xml');
  assert.equal(m([0x1f, 0x8b, 8, 0, 0, 0]), 'application/x-gzip');
  assert.equal(m('{"key": 1}'), 'application/json');
  assert.equal(m('%PDF-1.4'), 'application/pdf');
  assert.equal(m('GIF89a....'), 'image/gif');
  assert.equal(m([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]), 'image/png');
  assert.equal(m([0xff, 0xd8, 0xff, 0xe0], 10), 'image/jpeg');
  assert.equal(m('PK\x03\x04....'), 'application/zip');
  assert.equal(m('MZ\x90\x00\x03'), 'application/x-dosexec');
  assert.equal(m('#!/usr/bin/env python\n'), 'text/x-python');
  assert.equal(m('var a; document.write(a)'), 'text/javascript');
});

test('no magic: plain text, short bodies', () => {
  assert.equal(m('hello world'), undefined);
  assert.equal(m('<htm'), undefined); // fewer than 5 bytes
  assert.equal(m('aGVsbG8NCg=='), undefined);
});
