// The helpers sit in src/core so checkers can render their own report sections without importing the report.
export * from "../core/html.js";
