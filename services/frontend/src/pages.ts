// The shop's HTML pages. Each is static markup plus a small script that calls the JSON API and
// builds the DOM with textContent (never HTML strings from data).

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;color:#222}
header{background:#1d3557;color:#fff;padding:.8rem 1.5rem;display:flex;gap:1.5rem;align-items:center}
header a{color:#fff;text-decoration:none}main{padding:1.5rem;max-width:60rem;margin:auto}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:1rem}
.card{border:1px solid #ddd;border-radius:.5rem;padding:1rem}label{display:block;margin:.4rem 0}
button{background:#e63946;color:#fff;border:0;padding:.5rem 1rem;border-radius:.3rem;cursor:pointer}
.error{color:#b00020}`;

/** Shared by every page: money formatting with BigInt, currency choice, API calls. */
const COMMON = `
const params = new URLSearchParams(location.search);
const currency = params.get("currency") || localStorage.getItem("currency") || "USD";
function fmt(m) {
  const total = BigInt(m.units) * 1000000000n + BigInt(m.nanos);
  const abs = total < 0n ? -total : total;
  const cents = (abs % 1000000000n).toString().padStart(9, "0").slice(0, 2);
  return (total < 0n ? "-" : "") + (abs / 1000000000n) + "." + cents + " " + m.currency_code;
}
async function api(path, options) {
  const sep = path.includes("?") ? "&" : "?";
  const response = await fetch(path + sep + "currency=" + currency, options);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}
function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
  return node;
}
function fail(error) { const main = document.querySelector("main"); main.append(el("p", String(error.message || error), { class: "error" })); }
(async () => {
  const select = document.getElementById("currency");
  const codes = (await api("/api/currencies")).currency_codes;
  codes.forEach((code) => { const o = el("option", code, { value: code }); if (code === currency) o.selected = true; select.append(o); });
  select.addEventListener("change", () => { localStorage.setItem("currency", select.value); location.search = "?currency=" + select.value; });
})().catch(fail);
`;

function page(title: string, body: string, script: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · Commerce</title><style>${STYLE}</style></head>
<body><header><a href="/"><strong>Commerce</strong></a><a href="/">Products</a><a href="/cart">Cart</a>
<select id="currency" aria-label="Currency"></select></header>
<main>${body}</main>
<script>${COMMON}
${script}</script></body></html>`;
}

export const BROWSE = page(
  "Products",
  `<h1>Products</h1><div id="products" class="grid"></div>`,
  `api("/api/products").then(({ products }) => {
  const grid = document.getElementById("products");
  products.forEach((p) => {
    const card = el("div", undefined, { class: "card" });
    const link = el("a", p.name, { href: "/product/" + encodeURIComponent(p.id) });
    card.append(link, el("p", p.description), el("strong", fmt(p.price)));
    grid.append(card);
  });
}).catch(fail);`,
);

export const PRODUCT = page(
  "Product",
  `<div id="product"></div><label>Quantity <input id="quantity" type="number" min="1" max="100" value="1"></label>
<button id="add">Add to cart</button><h2>You may also like</h2><ul id="recommendations"></ul><aside id="ads"></aside>`,
  `const id = decodeURIComponent(location.pathname.split("/").pop());
api("/api/products/" + encodeURIComponent(id)).then(({ product, recommendations, ads }) => {
  document.getElementById("product").append(el("h1", product.name), el("p", product.description), el("strong", fmt(product.price)));
  const list = document.getElementById("recommendations");
  recommendations.forEach((r) => { const li = el("li"); li.append(el("a", r, { href: "/product/" + encodeURIComponent(r) })); list.append(li); });
  ads.forEach((ad) => document.getElementById("ads").append(el("a", ad.text, { href: ad.redirect_url })));
}).catch(fail);
document.getElementById("add").addEventListener("click", () => {
  const quantity = Number(document.getElementById("quantity").value);
  api("/api/cart", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ product_id: id, quantity }) })
    .then(() => { location.href = "/cart"; }).catch(fail);
});`,
);

export const CART = page(
  "Cart",
  `<h1>Your cart</h1><table><tbody id="lines"></tbody></table><p>Total: <strong id="total"></strong></p>
<a href="/checkout"><button>Checkout</button></a>`,
  `api("/api/cart").then(({ items, total }) => {
  const lines = document.getElementById("lines");
  items.forEach((i) => { const tr = el("tr"); [i.name, "× " + i.quantity, fmt(i.line_total)].forEach((t) => tr.append(el("td", t))); lines.append(tr); });
  document.getElementById("total").textContent = fmt(total);
}).catch(fail);`,
);

export const CHECKOUT = page(
  "Checkout",
  `<h1>Checkout</h1><form id="checkout">
<label>Email <input name="email" type="email" required value="someone@example.com"></label>
<label>Street <input name="street_address" required value="1600 Amphitheatre Parkway"></label>
<label>City <input name="city" required value="Mountain View"></label><label>State <input name="state" value="CA"></label>
<label>Country <input name="country" required value="US"></label><label>ZIP <input name="zip_code" required value="94043"></label>
<label>Card number <input name="credit_card_number" required value="4432-8015-6152-0454"></label>
<label>CVV <input name="credit_card_cvv" type="number" required value="672"></label>
<label>Expiry month <input name="credit_card_expiration_month" type="number" min="1" max="12" required value="1"></label>
<label>Expiry year <input name="credit_card_expiration_year" type="number" required value="2030"></label>
<button type="submit">Place order</button></form><div id="result"></div>`,
  `document.getElementById("checkout").addEventListener("submit", (event) => {
  event.preventDefault();
  const f = Object.fromEntries(new FormData(event.target));
  const body = {
    email: f.email, currency,
    address: { street_address: f.street_address, city: f.city, state: f.state, country: f.country, zip_code: f.zip_code },
    credit_card: { credit_card_number: f.credit_card_number, credit_card_cvv: Number(f.credit_card_cvv),
      credit_card_expiration_month: Number(f.credit_card_expiration_month), credit_card_expiration_year: Number(f.credit_card_expiration_year) },
  };
  api("/api/checkout", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
    .then((order) => {
      const result = document.getElementById("result");
      result.append(el("h2", "Thank you! Order " + order.order_id), el("p", "Tracking: " + order.shipping_tracking_id), el("p", "Total: " + fmt(order.total)));
    }).catch(fail);
});`,
);

/** Path -> page, for GET requests. */
export function pageFor(path: string): string | undefined {
  if (path === "/") return BROWSE;
  if (/^\/product\/[^/]+$/.test(path)) return PRODUCT;
  if (path === "/cart") return CART;
  if (path === "/checkout") return CHECKOUT;
  return undefined;
}
