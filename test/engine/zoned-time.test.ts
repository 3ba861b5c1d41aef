// "Today" in a workspace's time zone: the first instant of the local day, DST days included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOfDay } from '../../src/engine/zoned-time.ts';

test('start of the local day in several zones, on a DST change day, and with a bad zone name', () => {
  const noon = Date.parse('2026-03-08T12:00:00Z');
  assert.equal(new Date(startOfDay(noon, 'Europe/Moscow')).toISOString(), '2026-03-07T21:00:00.000Z');
  assert.equal(new Date(startOfDay(noon, 'UTC')).toISOString(), '2026-03-08T00:00:00.000Z');
  // New York moves to summer time at 2:00 that day; midnight was still EST (UTC−5).
  assert.equal(new Date(startOfDay(noon, 'America/New_York')).toISOString(), '2026-03-08T05:00:00.000Z');
  assert.equal(new Date(startOfDay(noon, 'Asia/Vladivostok')).toISOString(), '2026-03-07T14:00:00.000Z');
  // Just after Moscow midnight is already the next day there.
  assert.equal(new Date(startOfDay(Date.parse('2026-03-08T21:00:01Z'), 'Europe/Moscow')).toISOString(), '2026-03-08T21:00:00.000Z');
  assert.equal(startOfDay(noon, 'Mars/Olympus'), startOfDay(noon, 'Europe/Moscow'), 'an unknown zone falls back to Moscow');
});
