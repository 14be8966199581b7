import { fireEvent, render, screen } from "@testing-library/react-native";

import { App } from "../../src/App";
import { fakeApi } from "./fakeApi";

describe("App", () => {
  it("takes a shopper from the list to a product, into the cart and to checkout", async () => {
    const api = fakeApi();
    render(<App api={api} />);

    fireEvent.press(await screen.findByRole("button", { name: "Sunglasses" }));
    fireEvent.press(await screen.findByRole("button", { name: "Add to cart" }));
    expect(await screen.findByText("Your cart is empty.")).toBeOnTheScreen(); // the fake keeps none
    fireEvent.press(screen.getByRole("button", { name: "‹ Back" }));

    expect(await screen.findByText("Add a modern touch to your outfits.")).toBeOnTheScreen();
    expect(api.calls).toEqual(["products USD", "add OLJCESPC7Z 1"]);
  });

  it("shows prices in the currency the shopper picks", async () => {
    const api = fakeApi();
    render(<App api={api} />);

    fireEvent.press(await screen.findByRole("button", { name: "JPY" }));

    await screen.findByText("Sunglasses");
    expect(api.calls).toContain("products JPY");
  });
});
