// The Cosmos DB test server (npm @vercel/cosmosdb-server) for the reminder benchmark, started
// with its module rather than its command line:
//
//   node bench/cosmos_server.js PORT HOST [--partitioned]     (cwd: tools/cosmos-test-server)
//
// Connections are kept open between requests, as Cosmos DB does (the command line answers
// "Connection: close", so every request pays a TCP and TLS handshake).
//
// --partitioned: a query that names its partition (the x-ms-documentdb-partitionkey header, which
// the SDK sends for every single-partition query) is evaluated over that partition's documents
// only, as Cosmos DB routes it to that partition. The package evaluates every query over every
// document of the container, so with 10,000 users (50,000 documents) each of the engine's
// per-user queries scans all 50,000. Results are the same: those queries also filter on user_id.
// A cross-partition query that filters on "c.type = @type" (the due lookup) is evaluated over the
// documents of that type only, as Cosmos DB answers it from its index (every path is indexed by
// default) rather than by reading every document.
"use strict";

const { AsyncLocalStorage } = require("async_hooks");
const { createRequire } = require("module");
const path = require("path");

const [port, host, ...flags] = process.argv.slice(2);
const load = createRequire(path.join(process.cwd(), "package.json"));
const partitioned = flags.includes("--partitioned");

if (partitioned) {
  const queryHandler = load("@vercel/cosmosdb-server/lib/handler/query-documents");
  const Items = load("@vercel/cosmosdb-server/lib/account/items").default;
  const partitionOfRequest = new AsyncLocalStorage();

  // Which partition the request names, for the query it runs (across its awaits).
  const handle = queryHandler.default;
  queryHandler.default = (account, req, res, params) => {
    let partition = null;
    try {
      const header = JSON.parse(req.headers["x-ms-documentdb-partitionkey"] || "null");
      partition = Array.isArray(header) && header.length === 1 ? String(header[0]) : null;
    } catch (err) {
      partition = null;
    }
    return partitionOfRequest.run(partition, () => handle(account, req, res, params));
  };

  // Each container keeps the ids (_rid) of its documents per partition and per type, in
  // insertion order (the order the package's own scan would meet them in).
  const members = (items, key) => {
    if (!items._members) items._members = new Map();
    let rids = items._members.get(key);
    if (!rids) {
      rids = new Set();
      items._members.set(key, rids);
    }
    return rids;
  };
  const keysOf = (items, data) => [`partition:${items._getPartition(data)}`, `type:${data.type}`];
  const set = Items.prototype._set;
  Items.prototype._set = function (data) {
    const result = set.call(this, data);
    for (const key of keysOf(this, data)) members(this, key).add(data._rid);
    return result;
  };
  const remove = Items.prototype.delete;
  Items.prototype.delete = function (idOrRid, partition) {
    const data = this._item("/id", idOrRid, partition).read();
    remove.call(this, idOrRid, partition);
    if (data) for (const key of keysOf(this, data)) members(this, key).delete(data._rid);
  };
  // Our store ANDs every condition, so "c.type = @type" in its SQL always narrows the result.
  const TYPE_FILTER = /\bc\.type = @type\b/;
  const query = Items.prototype.query;
  Items.prototype.query = function (params, options) {
    const partition = partitionOfRequest.getStore();
    const type = (params.parameters || []).find(p => p.name === "@type");
    let key = null;
    if (partition != null) key = `partition:${partition}`;
    else if (type && TYPE_FILTER.test(params.query)) key = `type:${type.value}`;
    if (key == null || !this._members) return query.call(this, params, options);
    // The package's query() reads this._data.values(): hand it those documents only.
    const all = this._data;
    const rids = this._members.get(key) || new Set();
    this._data = new Map([...rids].map(rid => [rid, all.get(rid)]));
    try {
      return query.call(this, params, options);
    } finally {
      this._data = all;
    }
  };
}

const { createHttpsServer } = load("@vercel/cosmosdb-server");
createHttpsServer({ keepAlive: true }).listen(Number(port), host);
process.on("SIGTERM", () => process.exit(0));
