import { ApiError, createApi } from "../../src/api";
import type { Fetch } from "../../src/api";

type Seen = { url: string; init: RequestInit };

function fakeFetch(status: number, body: unknown, seen: Seen[]): Fetch {
  return async (url, init = {}) => {
    seen.push({ url, init });
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  };
}

describe("createApi", () => {
  it("asks for products in a currency, as the shopper of its cookie", async () => {
    const seen: Seen[] = [];
    const api = createApi("https://shop.test/", "user-1", fakeFetch(200, { products: [{ id: "A" }] }, seen));

    expect(await api.products("JPY")).toEqual([{ id: "A" }]);
    expect(seen[0].url).toBe("https://shop.test/api/products?currency=JPY");
    expect(seen[0].init.headers).toMatchObject({ cookie: "shop_user_id=user-1" });
    expect(seen[0].init.credentials).toBe("omit");
  });

  it("posts cart items as JSON", async () => {
    const seen: Seen[] = [];
    const api = createApi("https://shop.test", "user-1", fakeFetch(201, { added: {} }, seen));

    await api.addToCart("OLJCESPC7Z", 2);

    expect(seen[0].init.method).toBe("POST");
    expect(seen[0].init.headers).toMatchObject({ "content-type": "application/json" });
    expect(JSON.parse(String(seen[0].init.body))).toEqual({ product_id: "OLJCESPC7Z", quantity: 2 });
  });

  it("turns an error answer into an ApiError with the shop's message", async () => {
    const api = createApi("https://shop.test", "u", fakeFetch(400, { error: "quantity must be between 1 and 100" }, []));

    const failure = api.addToCart("X", 0);

    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({ status: 400, message: "quantity must be between 1 and 100" });
  });
});
