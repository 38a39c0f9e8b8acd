"""Where builds run: in this process, in processes side by side, or on a Dask cluster."""
