import { fireEvent, render, screen } from "@testing-library/react-native";

import { Checkout, TEST_CARD, checkoutForm } from "../../src/screens/Checkout";
import { fakeApi } from "./fakeApi";

describe("Checkout", () => {
  it("places the order with the test card in the chosen currency and shows its ids", async () => {
    const api = fakeApi();
    render(<Checkout api={api} currency="EUR" />);

    fireEvent.press(screen.getByRole("button", { name: "Place order (EUR)" }));

    expect(await screen.findByText("Order order-1")).toBeOnTheScreen();
    expect(screen.getByText("Tracking track-1")).toBeOnTheScreen();
    expect(screen.getByText("Paid EUR 26.48")).toBeOnTheScreen();
    expect(api.calls).toEqual([`checkout EUR ${TEST_CARD}`]);
  });

  it("shows the shop's refusal and lets the shopper try again", async () => {
    const api = fakeApi({
      checkout: async () => {
        throw new Error("credit card info is invalid");
      },
    });
    render(<Checkout api={api} currency="USD" />);
    fireEvent.changeText(screen.getByLabelText("Card number"), "1234");

    fireEvent.press(screen.getByRole("button", { name: "Place order (USD)" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("credit card info is invalid");
    expect(screen.getByRole("button", { name: "Place order (USD)" })).toBeEnabled();
  });

  it("sends a card that has not expired, spaces removed", () => {
    const form = checkoutForm(
      { email: "a@b.c", street_address: "1 Main St", city: "X", state: "", country: "US", zip_code: "1", card: "4111 1111 1111 1111" },
      "JPY",
      new Date(2030, 5, 1),
    );
    expect(form.credit_card).toEqual({
      credit_card_number: TEST_CARD,
      credit_card_cvv: 123,
      credit_card_expiration_year: 2031,
      credit_card_expiration_month: 1,
    });
    expect(form.address).toEqual({ street_address: "1 Main St", city: "X", state: "", country: "US", zip_code: "1" });
  });
});
