"""What commands do, without a terminal: read a portfolio, change it, import into it, set up git."""
