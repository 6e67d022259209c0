// The sweep's SVG plots: a point per sweep point, escaped text, nothing active in the file.
import { describe, expect, it } from 'vitest';
import { metricSvg, plotFileName } from '../../../src/exec/sweep-plot.js';
import { spreadOf } from '../../../src/exec/sweep-stats.js';

describe('metricSvg', () => {
  it('one circle per point with a value, the mean line and the std band', () => {
    const values = [0.9, 0.92, null, 0.94];
    const svg = metricSvg('out/m.json:acc', values.map((v, i) => ({ label: `seed=${i}`, value: v })), spreadOf([0.9, 0.92, 0.94]));
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg).toContain('<title>seed=3: 0.94000</title>');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('stroke-dasharray');
  });

  it('attack: a metric name and a swept value carrying markup are escaped; no script, handler or link in the file', () => {
    const svg = metricSvg('out/<script>alert(1)</script>.json:x', [{ label: '"><image href=x onerror=alert(1)>', value: 1 }, { label: 'b', value: 2 }], spreadOf([1, 2]));
    expect(svg).not.toMatch(/<script|<image/);
    // inside a tag, only the plot's own attributes: no handler, no link
    expect(svg).not.toMatch(/<[^>]*(onerror|href)=/);
    expect(svg).toContain('&lt;script&gt;');
  });
});

describe('plotFileName', () => {
  it('a safe name, unique within the sweep', () => {
    const taken = new Set<string>();
    expect(plotFileName('out/m.json:eval.loss[0]', taken)).toBe('out_m.json_eval.loss_0_.svg');
    expect(plotFileName('../../etc/passwd', taken)).toBe('etc_passwd.svg');
    expect(plotFileName('out/m.json:eval.loss[0]', taken)).toBe('out_m.json_eval.loss_0_-2.svg');
  });
});
