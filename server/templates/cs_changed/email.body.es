Estimado(a) usuario(a):

Le informamos que la Clave Sence (CS) del RUT {{rut}} fue cambiada correctamente. Desde ahora, use su nueva Clave Sence para iniciar sesión en las plataformas del Sence.

Si usted no hizo este cambio, abra este enlace y pulse «No fui yo»: su cuenta quedará congelada y nadie podrá usarla hasta que usted la recupere con el número de serie de su cédula (el enlace vale 10 días):
{{no_fui_yo}}

También puede llamarnos gratis al 800 80 10 30, de lunes a viernes de 9.00 a 18.00 horas.

Atte.
SENCE
