/** The report's stylesheet, inlined so the page needs nothing else. */
export const REPORT_CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:12px 20px 40px;color:#1d1d1f;background:#fafafa}
h2{margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{margin:18px 0 6px}h4{margin:12px 0 4px}
.crumb{color:#777;font-size:12px;margin:0 0 8px}
.verdict{border-radius:8px;padding:14px 18px;border:2px solid}
.verdict .word{font-size:26px;font-weight:700}.verdict .headline{font-size:18px;margin:4px 0 8px}
.verdict ul{margin:0;padding-left:20px}
.verdict.valid{background:#eaf6ec;border-color:#3b8d4f}.verdict.invalid{background:#fbeaec;border-color:#c0392b}.verdict.unknown{background:#fff6e0;border-color:#d19a00}
.warning{margin-top:10px;border-radius:8px;padding:10px 18px;border:2px solid #d19a00;background:#fff6e0}.warning .title{font-weight:700;font-size:16px}.warning ul{margin:4px 0;padding-left:20px}
.figures{display:flex;flex-wrap:wrap;gap:8px 18px;margin:6px 0 10px}.figures span{background:#fff;border:1px solid #ddd;border-radius:4px;padding:3px 8px}
table{border-collapse:collapse;margin:4px 0 10px;background:#fff}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
thead th{background:#f0f0f0}table.kv th{background:#f6f6f6;white-space:nowrap;font-weight:600}
table.evidence td{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}code.cmd{background:#eef;padding:2px 5px;word-break:break-all}
pre{background:#fff;border:1px solid #ddd;padding:8px;overflow:auto;max-height:480px;white-space:pre-wrap;word-break:break-all}
figure{margin:8px 0 14px}figcaption{font-weight:600;margin-bottom:2px}
svg text{font:11px system-ui,sans-serif;fill:#444}svg .flabel{font-weight:600;fill:#7a2e2e}
.legend{display:flex;gap:14px;font-size:12px;margin-top:2px;flex-wrap:wrap}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.note{color:#666;font-size:12px;font-weight:normal}.bad{color:#b3261e}
.bar{display:inline-block;width:90px;height:9px;background:#f1d4d4;vertical-align:0}.bar span{display:block;height:100%;background:#3b8d4f}
.tag{font-size:12px;border-radius:3px;padding:1px 6px;color:#fff}.tag.valid{background:#3b8d4f}.tag.anomalies{background:#c0392b}.tag.unknown{background:#d19a00}
details{margin:4px 0}summary{cursor:pointer}
.cex{overflow-x:auto;background:#fff;border:1px solid #ddd}
.cex .op rect{stroke:#555;stroke-width:1}.cex .op text{font:11px ui-monospace,monospace;fill:#111}.cex .proc{font-weight:600}
.cex .lin rect,.legend i.lin{fill:#b9e0c3;background:#b9e0c3}.cex .blocked rect,.legend i.blocked{fill:#f08a8a;background:#f08a8a}
.cex .refused rect,.legend i.refused{fill:#f7c98b;background:#f7c98b}.cex .deadend rect,.legend i.deadend{fill:#f3e3a0;background:#f3e3a0}
.cex .other rect,.legend i.other{fill:#e4e4e4;background:#e4e4e4}
pre.words{max-height:220px}
footer{margin-top:30px;color:#777;font-size:12px}
`;
