"""The store on disk: finding, reading, locking and writing it, its text, its cache and merges."""
