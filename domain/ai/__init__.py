"""Language-model review and answers: one interface, three providers, output never trusted
blindly (grounded against the document, counted and priced)."""
