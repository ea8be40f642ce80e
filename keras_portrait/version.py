"""The package's version, at the bottom of the package: cards record it without importing the
package root."""

__version__ = "0.1.0"
