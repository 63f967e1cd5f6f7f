/* stub */
#include "ft.h"
int ft_write_html(const char *path, const struct ft_cell *cells, size_t n)
{
	return 0;
}
