import { fireEvent, render, screen } from "@testing-library/react-native";

import { ProductList } from "../../src/screens/ProductList";
import { PRODUCTS, fakeApi } from "./fakeApi";

describe("ProductList", () => {
  it("shows every product of the API with its price in the chosen currency", async () => {
    const api = fakeApi();
    render(<ProductList api={api} currency="EUR" onOpen={() => undefined} />);

    expect(await screen.findByText("Sunglasses")).toBeOnTheScreen();
    expect(screen.getByText("EUR 17.49")).toBeOnTheScreen();
    expect(screen.getByText("Tank Top")).toBeOnTheScreen();
    expect(screen.getByText("EUR 1,234.00")).toBeOnTheScreen();
    expect(api.calls).toEqual(["products EUR"]);
  });

  it("opens the product a shopper taps", async () => {
    const opened: string[] = [];
    render(<ProductList api={fakeApi()} currency="EUR" onOpen={(id) => opened.push(id)} />);

    fireEvent.press(await screen.findByRole("button", { name: "Tank Top" }));

    expect(opened).toEqual(["66VCHSJNUP"]);
  });

  it("says the shop is unreachable and retries on request", async () => {
    let failures = 1;
    const api = fakeApi({
      products: async () => {
        if (failures-- > 0) throw new Error("Network request failed");
        return PRODUCTS;
      },
    });
    render(<ProductList api={api} currency="USD" onOpen={() => undefined} />);

    expect(await screen.findByRole("alert")).toHaveTextContent("Could not reach the shop: Network request failed");
    fireEvent.press(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByText("Sunglasses")).toBeOnTheScreen();
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
